"""No dead code: vulture, configured in pyproject.toml's ``[tool.vulture]``, finds no unused function, method,
class, import or unreachable line in server, workflows, schema and policies.

Fields (variables, attributes, properties) are not judged: strawberry types, SQLAlchemy columns and enum
members are read by reflection, which vulture cannot see. A false positive goes in tests/vulture_whitelist.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from vulture.config import make_config
from vulture.core import Vulture

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"variable", "attribute", "property"}


def test_vulture_finds_no_unused_code() -> None:
    here = Path.cwd()
    os.chdir(ROOT)  # the configured paths are relative to the project root
    try:
        config = make_config([])
        finder = Vulture(ignore_names=config["ignore_names"], ignore_decorators=config["ignore_decorators"])
        finder.scavenge(config["paths"], exclude=config["exclude"])
        unused = [
            item.get_report(add_size=False)
            for item in finder.get_unused_code(min_confidence=config["min_confidence"])
            if item.typ not in FIELDS
        ]
    finally:
        os.chdir(here)
    assert unused == [], "\n".join(unused)
