"""``talentPool(year, unitCode)``: the assessed civil servants of a year and their nine-box placement.

The pool of year Y holds the active employees with an assessment valid on 31 December of Y (the potential
axis; ``workflows.talent``), each with their final predicate of Y if there is one (the performance axis)
and the box ``talent.place`` computes; without a final predicate the node has no performance and no box.
A placement is part of a person's *file*, so the list shows only the people whose file the viewer may
read (``policies.read.file_clause``: themself, their read scope by each person's post today, the subjects
of their open tasks); anonymous clients see nobody. One statement a page, keyset by NIP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.read import file_clause
from policies.viewer import Viewer
from server.models import Assessment, Employee, EvaluationResult, Position, Unit
from server.registry.queries import in_units, subtree_ids
from workflows import talent


@dataclass(frozen=True)
class Talent:
    """An employee in the pool and their placement."""

    employee: Employee
    placement: talent.Placement


def pool_query(viewer: Viewer, *, year: int, unit: Unit | None, today: dt.date) -> Select[Any]:
    """Rows (Employee, predicate, potential class, assessed on) of the pool of ``year`` the viewer may read."""
    rule = talent.nine_box_rule(year)
    day = talent.pool_day(year)
    # valid on ``day``: assessed after the same day ``validity_years`` earlier (``talent.valid_through``)
    cutoff = dt.date(year - rule.int("validity_years"), 12, 31)
    ranked = (
        select(
            Assessment.employee_id,
            Assessment.potential_class,
            Assessment.assessed_on,
            func.row_number()
            .over(partition_by=Assessment.employee_id, order_by=(Assessment.assessed_on.desc(), Assessment.id.desc()))
            .label("rank"),
        )
        .where(Assessment.assessed_on <= day, Assessment.assessed_on > cutoff)
        .subquery()
    )
    query = (
        select(Employee, EvaluationResult.predicate, ranked.c.potential_class, ranked.c.assessed_on)
        .join(ranked, and_(ranked.c.employee_id == Employee.id, ranked.c.rank == 1))
        .outerjoin(EvaluationResult, and_(EvaluationResult.employee_id == Employee.id, EvaluationResult.year == year))
        .where(Employee.status == "active", file_clause(viewer, today, Employee.id))
    )
    if unit is not None:
        query = query.where(in_units(Position.unit_id.in_(subtree_ids(unit.path)), today))
    return query


async def talent_pool(
    session: AsyncSession,
    viewer: Viewer,
    *,
    year: int,
    unit: Unit | None,
    today: dt.date,
    first: int,
    after_nip: str | None,
) -> tuple[list[Talent], bool]:
    """A page of ``pool_query``, by NIP, each row placed on the grid of the rule in force that year."""
    rule = talent.nine_box_rule(year)
    query = pool_query(viewer, year=year, unit=unit, today=today)
    if after_nip is not None:
        query = query.where(Employee.nip > after_nip)
    rows = list(await session.execute(query.order_by(Employee.nip).limit(first + 1)))
    found = [
        Talent(employee, talent.place(year, predicate, [talent.Assessed(assessed_on, potential)], rule))
        for employee, predicate, potential, assessed_on in rows[:first]
    ]
    return found, len(rows) > first
