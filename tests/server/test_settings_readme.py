"""Every setting is an ``ASNFLOW_*`` variable of server/environment.py, and the README's "Configuration" table
lists each one, with the same default, and no variable the service does not read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.environment import Environment, read_environment, variable
from server.settings import ConfigurationError

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(ASNFLOW_[A-Z0-9_]+)` \| (.+?) \| .+ \|$")


def readme_rows() -> dict[str, str]:
    text = README.read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2] for line in section.splitlines() if (m := ROW.match(line))}


def documented(default: object) -> str:
    """How the README writes a default: the value in backticks, or "unset" for none."""
    if default is None or default == "":
        return "unset"
    if isinstance(default, bool):
        return f"`{int(default)}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


def test_the_readme_lists_every_variable_and_no_other() -> None:
    assert set(readme_rows()) == {variable(name) for name in Environment.model_fields}


@pytest.mark.parametrize("name", sorted(Environment.model_fields))
def test_the_readme_gives_each_variable_its_default(name: str) -> None:
    default = Environment.model_fields[name].default
    assert readme_rows()[variable(name)].startswith(documented(default)), variable(name)


def test_a_wrong_value_names_the_variable_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASNFLOW_MAX_PAGE_SIZE", "lots")
    monkeypatch.setenv("ASNFLOW_VIEWER_CACHE_SECONDS", "-2")
    with pytest.raises(ConfigurationError) as refused:
        read_environment()
    message = str(refused.value)
    assert "ASNFLOW_MAX_PAGE_SIZE='lots'" in message and "ASNFLOW_VIEWER_CACHE_SECONDS='-2'" in message


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASNFLOW_MAX_QUERY_COST", "")
    monkeypatch.setenv("ASNFLOW_ENV", "")
    found = read_environment()
    assert found.max_query_cost == 25_000 and found.env == "dev"
