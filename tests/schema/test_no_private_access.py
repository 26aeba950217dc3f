"""The packages use strawberry and graphql-core through their public API only (issue 13 item 3).

Customising execution goes through supported extension points (``execution_context_class``,
graphql-core's ``Executor.execute_operation``, schema extensions). No name starting with an
underscore is imported from either library or read off their objects, no graphql-core per-field
method is overridden, and nothing is written into their schema objects. The one exception is reading
the ``GraphQLSchema`` strawberry builds, for which strawberry has no public accessor: that read lives
in schema/core_schema.py alone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schema", "server", "workflows", "policies")
ALLOWED = {("schema/core_schema.py", "._schema")}

LIBRARIES = ("strawberry", "graphql")
PRIVATE = [
    (re.compile(r"\b(?:strawberry|graphql)(?:\.\w+)*\._[a-z]\w*"), "private attribute of the library"),
    (re.compile(r"\._schema\b"), "._schema"),
    (re.compile(r"getattr\(\s*[\w.]+\s*,\s*[\"']_(?!_)\w+"), "a private attribute read by name"),
    (re.compile(r"\._strawberry_schema\b|\._raw_info\b|\._is_default\b|\._implements_resolve\b"), "private attribute"),
    (
        re.compile(r"def\s+(?:execute_field|complete_value|complete_leaf_value|complete_object_value)\s*\("),
        "override of graphql-core's per-field execution",
    ),
    (re.compile(r"\.resolve\s*=(?!=)"), "a resolver written into a graphql-core field"),
]


def _private_imports(text: str) -> list[str]:
    """``from strawberry... import _x``, ``from graphql._x import y``, ``import strawberry._x``."""
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            parts = node.module.split(".")
            names = [a.name for a in node.names]
            if any(p.startswith("_") for p in parts) or any(n.startswith("_") for n in names):
                out.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in LIBRARIES and any(p.startswith("_") for p in parts):
                    out.append(f"{node.lineno}: import {alias.name}")
    return out


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_private_strawberry_or_graphql_core_access() -> None:
    found = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        found += [f"{name}:{where}: import of a private name" for where in _private_imports(text)]
        for pattern, what in PRIVATE:
            for match in pattern.finditer(text):
                if (name, match.group(0)) in ALLOWED:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)


def test_the_check_catches_what_it_forbids() -> None:
    assert _private_imports("from graphql.execution.execute import _private\n")
    assert _private_imports("from strawberry.schema.schema import (\n    Schema,\n    _helper,\n)\n")
    assert _private_imports("import strawberry._internal\n")
    assert not _private_imports("from graphql import GraphQLError\n\n\ndef _parse(): ...\n")
    bad = [
        "x = schema._schema.type_map\n",
        "info._raw_info\n",
        'getattr(field_def.resolve, "_is_default", False)\n',
        "    def execute_field(self, parent_type, source):\n",
        "field_def.resolve = fast\n",
        "strawberry.types.field._private_thing\n",
    ]
    for text in bad:
        assert any(p.search(text) for p, _ in PRIVATE), text
    assert not any(p.search("if field_def.resolve == other:\n") for p, _ in PRIVATE)
