"""Walking ``publicStatistics`` as an anonymous client: every field of every unit, looking for a person.

A finding is a string that looks like a NIP (18 digits) or is an employee's name, a count of people from
1 to 4 (``filled``, ``requestsDecided``, a predicate's ``count``), a ``vacancies`` shown beside a hidden
``filled``, or a single hidden predicate count (the others and ``filled`` would give it back).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from server.db import Database
from server.models import Employee, Unit
from tests.schema.conftest import Api

NIP_LIKE = re.compile(r"\d{18}")
PEOPLE_COUNTS = frozenset({"filled", "requestsDecided", "count"})
PUBLIC_STATISTICS = """query($unitCode: String!, $year: Int) { publicStatistics(unitCode: $unitCode, year: $year) {
  unitCode year positions quota filled vacancies evaluations { predicate count }
  trainingHoursMean requestsDecided medianDaysToDecision
} }"""


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def findings(stats: dict[str, Any], names: frozenset[str]) -> list[str]:
    """What in one unit's figures could point at a person (empty when nothing does)."""
    found: list[str] = []
    for key, value in _leaves(stats):
        if isinstance(value, str) and (NIP_LIKE.search(value) or value in names):
            found.append(f"{key}={value!r}")
        if key in PEOPLE_COUNTS and isinstance(value, int) and 0 < value < 5:
            found.append(f"{key}={value}")
    if stats["filled"] is None and stats["vacancies"] is not None:
        found.append("vacancies shown beside a hidden filled")
    if [e["count"] for e in stats["evaluations"]].count(None) == 1:
        found.append("one predicate count hidden alone")
    return found


async def every_unit_and_name(db: Database) -> tuple[list[str], frozenset[str]]:
    async with db.read() as s:
        units = list((await s.execute(select(Unit.code).order_by(Unit.code))).scalars())
        names = frozenset((await s.execute(select(Employee.name))).scalars())
    return units, names


async def walk(api: Api, units: list[str], names: frozenset[str], year: int) -> dict[str, list[str]]:
    """Each unit's findings (units with none left out), asked anonymously."""
    problems: dict[str, list[str]] = {}
    for code in units:
        stats = (await api.query(PUBLIC_STATISTICS, {"unitCode": code, "year": year}))["publicStatistics"]
        assert stats is not None and stats["unitCode"] == code
        found = findings(stats, names)
        if found:
            problems[code] = found
    return problems
