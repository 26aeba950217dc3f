"""What README.md and docs/*.md name is there: every repository path (`server/...py`, `workflows/definitions/`,
`docs/console/inbox.png`, `server/rules/data/*.yaml`) exists, every `python -m MODULE` is a module of the
repository, every dotted name (`server.commands.run_command`) imports, and every `asnflow COMMAND [SUBCOMMAND]`
is a command the CLI has, with the options written after it. A newcomer who follows the docs finds what they point at.

docs/decisions.md is a log (each section says what was true when it was written), so it is not checked; the
generated pages (docs/workflows.md, docs/rules.md) are, as they are read as the reference."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from server.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "decisions.md")]
PACKAGES = ("server", "policies", "workflows", "schema", "tests", "bench", "docs")

# a path from the repository's root: a top-level directory, then path characters (a placeholder <kind> and a
# glob * allowed); `file.py::name` names a function in the file
PATH = re.compile(rf"(?<![\w./<-])((?:{'|'.join(PACKAGES)}|\.ci)/[\w./*<>-]*)")
DOTTED = re.compile(rf"`((?:{'|'.join(PACKAGES[:5])})(?:\.\w+)+)`")
MODULE = re.compile(r"python3? -m ([\w.]+)")
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)  # code blocks and code spans: where a command is written out
COMMAND = re.compile(
    r"(?:^|\$\(|&&|;|\|)[ \t]*(?:[A-Z_]+=\S+ )*(?:\.venv/bin/)?asnflow ([a-z][\w-]*)(?: ([a-z][\w-]*))?((?:(?!&&| \| )[^\n;)`])*)",
    re.M,
)


def _mentions(pattern: re.Pattern[str], group: int = 1) -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for match in pattern.finditer(page.read_text(encoding="utf-8")):
            found.append((page.relative_to(ROOT).as_posix(), match.group(group)))
    return sorted(set(found))


def _exists(path: str) -> bool:
    path = path.split("::")[0].rstrip(".,:;)")
    if "<" in path:  # workflows/definitions/<kind>.yaml: the directory and the file type
        path = re.sub(r"<[^>]*>", "*", path)
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


PATHS = _mentions(PATH)


def test_the_pages_name_paths() -> None:
    assert len(PATHS) > 50


@pytest.mark.parametrize(("page", "path"), PATHS, ids=[f"{p}:{m}" for p, m in PATHS])
def test_a_named_path_exists(page: str, path: str) -> None:
    assert _exists(path), f"{page} names {path}, which is not in the repository"


MODULES = _mentions(MODULE)


@pytest.mark.parametrize(("page", "module"), MODULES, ids=[f"{p}:{m}" for p, m in MODULES])
def test_a_python_dash_m_module_exists(page: str, module: str) -> None:
    if module.split(".")[0] not in PACKAGES:  # python -m venv, pip: the standard library's or an installed tool's
        assert importlib.util.find_spec(module) is not None, f"{page}: python -m {module}"
        return
    base = ROOT.joinpath(*module.split("."))
    assert base.with_suffix(".py").is_file() or (base / "__main__.py").is_file(), f"{page}: python -m {module}"


NAMES = _mentions(DOTTED)


@pytest.mark.parametrize(("page", "name"), NAMES, ids=[f"{p}:{n}" for p, n in NAMES])
def test_a_dotted_name_imports(page: str, name: str) -> None:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            assert hasattr(found, attribute), f"{page} names {name}: {attribute} is not there"
            found = getattr(found, attribute)
        return
    pytest.fail(f"{page} names {name}, which does not import")


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


OPTION = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")
COMMANDS = sorted(
    {
        (page, " ".join([m[1], *([m[2]] if m[2] else []), *OPTION.findall(m[3])]))
        for page, text in ((p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in PAGES)
        for code in CODE.findall(text)
        for m in COMMAND.finditer(code.strip("`"))
    }
)


def test_the_pages_name_commands() -> None:
    assert {"demo", "serve", "token", "workflows tick"} <= {command for _, command in COMMANDS}


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}:{c}" for p, c in COMMANDS])
def test_an_asnflow_command_exists(page: str, command: str) -> None:
    words = [w for w in command.split() if not w.startswith("--")]
    options = [w for w in command.split() if w.startswith("--")]
    commands = _choices(build_parser())
    assert words[0] in commands, f"{page}: asnflow {words[0]} is not a command ({', '.join(sorted(commands))})"
    parser = commands[words[0]]
    subcommands = _choices(parser)
    if subcommands and len(words) > 1:
        assert words[1] in subcommands, f"{page}: asnflow {command}: not one of {', '.join(sorted(subcommands))}"
        parser = subcommands[words[1]]
    known = {option for action in parser._actions for option in action.option_strings}
    assert set(options) <= known, f"{page}: asnflow {command}: {sorted(set(options) - known)} not among {sorted(known)}"


def _headings(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return [line for line in text.splitlines() if re.match(r"#{1,6} ", line)]


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_a_page_has_one_title_and_no_heading_twice(page: Path) -> None:
    """Pages merged from several branches keep one title and each section once (union merges once doubled
    docs/planning.md's)."""
    headings = _headings(page)
    assert [h for h in headings if h.startswith("# ")] == headings[:1], f"{page.name}: one title, first"
    assert sorted(h for h in headings if headings.count(h) > 1) == [], f"{page.name}: a heading twice"
