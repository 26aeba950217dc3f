"""The talent pool's nine-box grid: where a civil servant stands in a year, from facts, never from input.

The rule ``talent.nine_box`` (PermenPANRB 3/2020) gives the two axes and the grid:

- **performance** of year Y is the level of the employee's *final* predicate of Y (Sangat Baik: high,
  Baik: middle, the others: low); no final predicate, no performance;
- **potential** is the class (low / middle / high) of the latest assessment made on or before the pool's
  day, 31 December of Y, and still valid that day: an assessment is valid for ``validity_years`` from its
  date, up to the day before the same date that many years on (assessed 1 Jan 2023, valid through 31 Dec
  2025); none, no potential;
- the **box** is the grid's cell for the two levels, 1 (low, low) to 9 (high, high); with either axis
  missing there is no box, and the placement says which axis is missing (its level is None).

``place`` is the one function that computes a box: the talent pool list (``workflows.talent_pool``) and
the position-promotion guard (``talent_pool_or_assessment``) both call it, with the same facts, so the
list and the verify step cannot disagree. The guard asks the facts as ``Question``s (``AssessmentsOf`` and
``facts.PredicatesOf``), answered in the step's one statement or, for a page's preview, by the batched
reader registered here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Assessment
from server.rules import RuleVersion, rules_for
from server.sql import one_of
from workflows import evaluation_calendar, facts, facts_many

NINE_BOX = "talent.nine_box"
LEVELS: tuple[str, ...] = ("low", "middle", "high")


def pool_day(year: int) -> dt.date:
    """The day a year's pool is judged on: the year's last day."""
    return dt.date(year, 12, 31)


def nine_box_rule(year: int) -> RuleVersion:
    """The grid in force on the pool's day of ``year``."""
    return rules_for(NINE_BOX, pool_day(year))


def valid_through(assessed_on: dt.date, rule: RuleVersion) -> dt.date:
    """The last day an assessment of ``assessed_on`` counts: ``validity_years`` on, less a day."""
    return facts.add_years(assessed_on, rule.int("validity_years")) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Assessed:
    """An assessment as the grid reads it."""

    assessed_on: dt.date
    potential_class: str


@dataclass(frozen=True)
class Placement:
    """Where an employee stands in ``year``: each axis' level (None: missing) and the box (None: no box)."""

    year: int
    predicate: str | None
    performance: str | None
    potential: str | None
    assessed_on: dt.date | None
    box: int | None

    def describe(self) -> str:
        """A sentence naming the facts that decided the box."""
        perf = f"{self.predicate} ({self.performance})" if self.predicate else "no final predicate"
        pot = f"{self.potential} (assessed {self.assessed_on})" if self.assessed_on else "no valid assessment"
        box = f"box {self.box}" if self.box is not None else "no box"
        return f"{box} in the {self.year} talent pool: performance {perf}, potential {pot} on {pool_day(self.year)}"


def potential_on(assessments: Sequence[Assessed], day: dt.date, rule: RuleVersion) -> Assessed | None:
    """The latest assessment made on or before ``day`` and still valid on it."""
    made = [a for a in assessments if a.assessed_on <= day]
    latest = max(made, key=lambda a: a.assessed_on, default=None)
    return latest if latest is not None and valid_through(latest.assessed_on, rule) >= day else None


def place(year: int, predicate: str | None, assessments: Sequence[Assessed], rule: RuleVersion) -> Placement:
    """The employee's placement in ``year``'s pool from their final predicate of the year and assessments."""
    performance = rule["performance"].get(predicate) if predicate is not None else None
    assessed = potential_on(assessments, pool_day(year), rule)
    potential = assessed.potential_class if assessed is not None else None
    box = rule["grid"].get(f"{performance}|{potential}") if performance and potential else None
    return Placement(
        year, predicate, performance, potential, assessed.assessed_on if assessed else None, box and int(box)
    )


def guard_year(on: dt.date, predicates: Mapping[int, str], deadline: RuleVersion) -> int:
    """The pool a promotion judged on ``on`` reads: last year's once its evaluation is final for the
    employee or its season has closed, else the year before (as ``evaluation_calendar`` reads predicates)."""
    last = on.year - 1
    if last in predicates or evaluation_calendar.evaluation_deadline(last, deadline) < on:
        return last
    return last - 1


# ---------------------------------------------------------------------------------------------- the fact


@dataclass(frozen=True)
class AssessmentsOf(facts.Question[list[Assessed]]):
    """The employee's assessments, oldest first."""

    employee_id: int

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        return [
            select(*facts._row(tag, n1=Assessment.id, s1=Assessment.potential_class, d1=Assessment.assessed_on)).where(
                Assessment.employee_id == bindparam(f"employee_{tag}")
            )
        ]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"employee_{tag}": self.employee_id}

    def answer(self, rows: Sequence[Row[Any]]) -> list[Assessed]:
        return [Assessed(r.d1, r.s1) for r in sorted(rows, key=lambda r: (r.d1, r.n1))]


@facts_many.batch(AssessmentsOf)
async def _assessments(session: AsyncSession, questions: Sequence[AssessmentsOf]) -> dict[Any, Any]:
    rows = await session.execute(
        select(Assessment.employee_id, Assessment.assessed_on, Assessment.potential_class)
        .where(one_of(session, Assessment.employee_id, [q.employee_id for q in questions]))
        .order_by(Assessment.assessed_on, Assessment.id)
    )
    found: dict[int, list[Assessed]] = defaultdict(list)
    for employee_id, assessed_on, potential_class in rows:
        found[employee_id].append(Assessed(assessed_on, potential_class))
    return {q: list(found.get(q.employee_id, [])) for q in questions}
