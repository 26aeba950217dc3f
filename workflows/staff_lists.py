"""Lists the agency works from: who is short of the year's training hours, who is due for rotation.

Both are read in SQL, a page at a time (keyset by NIP), from the rule versions in force: the yearly
minimum of competency development (``training.annual_hours``) and the years in post after which an
employee is due for rotation (``transfer.years_in_post``'s ``rotation_due_years``). Only active employees
are listed, and only those the viewer may read (``readable``: the registry read rule, by the unit of each
person's post today; unit HR and heads see their units' subtrees, BKD and auditors the province, an
employee only themself, the public nobody). That condition is built in one place so the read rule can
change under it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from policies.scope import registry_scope
from policies.viewer import Viewer
from server.models import Assignment, Employee, Position, TrainingRecord, Unit
from server.registry.queries import held_on, in_units, subtree_ids
from server.rules import RuleVersion, rules_for
from workflows import facts, priority_areas

TRAINING_RULE = "training.annual_hours"
ROTATION_RULE = "transfer.years_in_post"


def readable(viewer: Viewer, day: dt.date) -> ColumnElement[bool]:
    """SQL on ``Employee``: people the viewer may read (the registry scope), by their post on ``day``."""
    scope = registry_scope(viewer)
    if scope.everything:
        return true()
    own = Employee.id == scope.employee_id if scope.employee_id is not None else false()
    if scope.nothing:
        return own
    return or_(in_units(scope.units_clause(Position.unit_id), day), own)


def _in_unit(unit: Unit | None, day: dt.date) -> ColumnElement[bool]:
    """SQL on ``Employee``: whose post on ``day`` lies in ``unit``'s subtree (any unit when None)."""
    return true() if unit is None else in_units(Position.unit_id.in_(subtree_ids(unit.path)), day)


# ---------------------------------------------------------------------------------------------- training


@dataclass(frozen=True)
class Shortfall:
    """An employee below the year's minimum: the verified hours they have, and how many are missing."""

    employee: Employee
    hours: int
    missing: int
    missing_areas: tuple[str, ...] = ()


def annual_hours_rule(year: int) -> RuleVersion:
    """The minimum in force at the end of ``year`` (the year is judged when it is complete)."""
    return rules_for(TRAINING_RULE, dt.date(year, 12, 31))


def training_query(viewer: Viewer, *, year: int, unit: Unit | None, today: dt.date, short_only: bool) -> Select[Any]:
    """Active employees the viewer may read, with their verified hours in ``year`` and then one column per
    priority area of the year (``priority_areas``: 1 when their post needs it and they have not trained in
    it). ``short_only``: only those below the rule's hours or missing an area (the shortfall)."""
    required = annual_hours_rule(year).int("hours")
    areas = priority_areas.missing(year, today)
    done = (
        select(TrainingRecord.employee_id, func.sum(TrainingRecord.hours).label("hours"))
        .where(
            TrainingRecord.verified.is_(True),
            TrainingRecord.date >= dt.date(year, 1, 1),
            TrainingRecord.date <= dt.date(year, 12, 31),
        )
        .group_by(TrainingRecord.employee_id)
        .subquery()
    )
    hours = func.coalesce(done.c.hours, 0)
    flags = [case((missing, 1), else_=0).label(f"area_{i}") for i, missing in enumerate(areas.values())]
    query = (
        select(Employee, hours, *flags)
        .outerjoin(done, done.c.employee_id == Employee.id)
        .where(Employee.status == "active", readable(viewer, today), _in_unit(unit, today))
    )
    return query.where(or_(hours < required, *areas.values())) if short_only else query


def shortfall_query(viewer: Viewer, *, year: int, unit: Unit | None, today: dt.date) -> Select[Any]:
    """Active employees the viewer may read with fewer verified hours in ``year`` than the rule asks, or
    who have not trained in a priority area of the year their post needs."""
    return training_query(viewer, year=year, unit=unit, today=today, short_only=True)


def shortfall_of(row: Any, required: int, areas: list[str]) -> Shortfall:
    """A row of ``training_query`` as a ``Shortfall``."""
    employee, hours, *flags = row
    missing_areas = tuple(a for a, f in zip(areas, flags, strict=True) if f)
    return Shortfall(employee, int(hours), max(required - int(hours), 0), missing_areas)


async def training_shortfall(
    session: AsyncSession,
    viewer: Viewer,
    *,
    year: int,
    unit: Unit | None,
    today: dt.date,
    first: int,
    after_nip: str | None,
) -> tuple[list[Shortfall], bool]:
    """A page of ``shortfall_query``, by NIP."""
    required = annual_hours_rule(year).int("hours")
    query = shortfall_query(viewer, year=year, unit=unit, today=today)
    if after_nip is not None:
        query = query.where(Employee.nip > after_nip)
    rows = list(await session.execute(query.order_by(Employee.nip).limit(first + 1)))
    areas = list(priority_areas.of_year(year).areas)
    found = [shortfall_of(row, required, areas) for row in rows[:first]]
    return found, len(rows) > first


# ---------------------------------------------------------------------------------------------- rotation


@dataclass(frozen=True)
class DueForRotation:
    """An employee who has held their post for the rule's years or more."""

    employee: Employee
    position: Position
    since: dt.date
    years: int


def rotation_query(viewer: Viewer, *, unit: Unit | None, today: dt.date) -> Select[Employee, dt.date, Position]:
    """Active employees the viewer may read whose current post started at least ``rotation_due_years`` ago."""
    due_years = rules_for(ROTATION_RULE, today).int("rotation_due_years")
    return (
        select(Employee, Assignment.start_date, Position)
        .join(Assignment, Assignment.employee_id == Employee.id)
        .join(Position, Position.id == Assignment.position_id)
        .where(
            Assignment.kind == "definitive",
            held_on(today),
            Assignment.start_date <= facts.add_years(today, -due_years),
            Employee.status == "active",
            readable(viewer, today),
            _in_unit(unit, today),
        )
    )


async def due_for_rotation(
    session: AsyncSession, viewer: Viewer, *, unit: Unit | None, today: dt.date, first: int, after_nip: str | None
) -> tuple[list[DueForRotation], bool]:
    """A page of ``rotation_query``, by NIP."""
    query = rotation_query(viewer, unit=unit, today=today)
    if after_nip is not None:
        query = query.where(Employee.nip > after_nip)
    rows = list(await session.execute(query.order_by(Employee.nip).limit(first + 1)))
    found = [DueForRotation(e, p, since, facts.full_years(since, today)) for e, since, p in rows[:first]]
    return found, len(rows) > first
