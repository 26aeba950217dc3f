"""The ABK formula against the worked examples of docs/planning.md: needed staff = sum(annual volume x norm hours)
/ 1,250 effective hours (the rule in force), rounded half up to whole people for the gap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from server.registry.workloads import effective_hours_rule
from workflows.workforce import needed_staff, whole_people

PLANNING = Path(__file__).parents[2] / "docs" / "planning.md"


def _examples() -> list[tuple[str, list[tuple[int, float]], float, Decimal, int, int, int]]:
    text = PLANNING.read_text(encoding="utf-8")
    table = text.split("<!-- worked examples")[1].split("<!-- end of worked examples")[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not cells[0].isdigit():
            continue
        number, tasks, hours, needed, whole, filled, gap = cells
        pairs = [] if tasks == "(none)" else [t.split(" x ") for t in tasks.split("; ")]
        parsed = [(int(v), float(n)) for v, n in pairs]
        rows.append((number, parsed, float(hours), Decimal(needed), int(whole), int(filled), int(gap)))
    return rows


EXAMPLES = _examples()


def test_the_document_has_its_worked_examples() -> None:
    assert len(EXAMPLES) == 6


@pytest.mark.parametrize("example", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_a_worked_example(example: tuple[str, list[tuple[int, float]], float, Decimal, int, int, int]) -> None:
    _, tasks, hours, needed, whole, filled, gap = example
    effective = effective_hours_rule(dt.date(2026, 11, 28)).int("hours")
    assert effective == 1250
    annual = sum(volume * norm for volume, norm in tasks)
    assert annual == hours
    assert needed_staff(annual, effective) == needed
    assert whole_people(needed_staff(annual, effective)) == whole
    assert whole - filled == gap


def test_half_a_persons_year_rounds_up_and_less_rounds_down() -> None:
    assert [whole_people(Decimal(x)) for x in ("0.49", "0.5", "1.4999", "1.5", "2.5")] == [0, 1, 1, 2, 3]
