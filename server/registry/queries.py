"""Every statement on units, positions and people: one function per question, each a fixed number of
statements (and the one write the workflow effects make by statement, ending an assignment).

Lists take a ``visible`` condition built by the caller's authorization layer (the viewer's scope),
so filtering happens in SQL. Batch loaders take many ids and return a dict, so a page of any size
costs the same number of statements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.domain.nip import normalize
from server.models import (
    Assignment,
    Employee,
    EvaluationResult,
    FamilyRelation,
    Position,
    RankHistory,
    TrainingRecord,
    Unit,
)
from server.sql import is_postgres, one_of

UnitCondition = Callable[[InstrumentedAttribute[int]], ColumnElement[bool]]


def held_on(day: dt.date) -> ColumnElement[bool]:
    """An assignment in force on ``day`` (start and end dates inclusive)."""
    return and_(Assignment.start_date <= day, or_(Assignment.end_date.is_(None), Assignment.end_date >= day))


def definitive_holder_count(day: dt.date) -> ColumnElement[int]:
    """Correlated count of a position's definitive holders on ``day``."""
    return (
        select(func.count())
        .where(Assignment.position_id == Position.id, Assignment.kind == "definitive", held_on(day))
        .correlate(Position)
        .scalar_subquery()
    )


def subtree_ids(path: str) -> Select[int]:
    return select(Unit.id).where(Unit.path.startswith(path, autoescape=True))


Row = TypeVar("Row", Unit, Position, Employee)  # the registry's rows read by id for a page


async def _rows_by_id(session: AsyncSession, kind: type[Row], ids: Iterable[int]) -> dict[int, Row]:
    """The rows of ``ids`` (one statement for a page), by id; an id without a row is absent."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (await session.execute(select(kind).where(one_of(session, kind.id, wanted)))).scalars()
    return {row.id: row for row in rows}


# --- units -------------------------------------------------------------------------------------------


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()


async def units_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Unit]:
    return await _rows_by_id(session, Unit, ids)


def units_query(parent: Unit | None, *, top_level: bool) -> Select[Unit]:
    query = select(Unit)
    if parent is not None:
        query = query.where(Unit.parent_id == parent.id)
    elif top_level:
        query = query.where(Unit.parent_id.is_(None))
    return query


# --- positions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionFilter:
    unit: Unit | None = None
    include_subunits: bool = False
    type: str | None = None
    vacant_only: bool = False
    search: str | None = None


def positions_query(flt: PositionFilter, *, day: dt.date) -> Select[Position]:
    query = select(Position)
    if flt.unit is not None:
        if flt.include_subunits:
            query = query.where(Position.unit_id.in_(subtree_ids(flt.unit.path)))
        else:
            query = query.where(Position.unit_id == flt.unit.id)
    if flt.type:
        query = query.where(Position.type == flt.type)
    if flt.vacant_only:
        query = query.where(Position.quota > definitive_holder_count(day))
    if flt.search:
        needle = f"%{flt.search.lower()}%"
        query = query.where(or_(func.lower(Position.title).like(needle), func.lower(Position.code).like(needle)))
    return query


async def position_by_code(session: AsyncSession, code: str) -> Position | None:
    return (await session.execute(select(Position).where(Position.code == code))).scalar_one_or_none()


async def positions_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Position]:
    return await _rows_by_id(session, Position, ids)


async def holder_ids(
    session: AsyncSession, position_ids: Sequence[int], day: dt.date, visible: UnitCondition | None = None
) -> dict[int, list[int]]:
    """Definitive holders' employee ids per position on ``day``, ordered by start date.

    ``visible`` limits the people returned (the viewer's scope); counts for vacancies use all holders.
    """
    out: dict[int, list[int]] = defaultdict(list)
    if not position_ids:
        return out
    query = (
        select(Assignment.position_id, Assignment.employee_id)
        .where(one_of(session, Assignment.position_id, position_ids), Assignment.kind == "definitive", held_on(day))
        .order_by(Assignment.position_id, Assignment.start_date, Assignment.employee_id)
    )
    if visible is not None:
        query = query.join(Position, Position.id == Assignment.position_id).where(visible(Position.unit_id))
    for position_id, employee_id in (await session.execute(query)).all():
        out[position_id].append(employee_id)
    return out


async def holder_counts(session: AsyncSession, position_ids: Sequence[int], day: dt.date) -> dict[int, int]:
    if not position_ids:
        return {}
    query = (
        select(Assignment.position_id, func.count())
        .where(one_of(session, Assignment.position_id, position_ids), Assignment.kind == "definitive", held_on(day))
        .group_by(Assignment.position_id)
    )
    return {pid: int(n) for pid, n in (await session.execute(query)).all()}


# --- employees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeFilter:
    unit: Unit | None = None
    include_subunits: bool = False
    rank: str | None = None
    search: str | None = None


def in_units(units: ColumnElement[bool] | None, day: dt.date) -> ColumnElement[bool]:
    """Employees whose definitive post on ``day`` lies in a unit satisfying ``units``.

    Written as ``id IN (subquery)`` starting from the units, not a correlated EXISTS per employee:
    PostgreSQL then hashes the (small) set of posts in scope instead of probing once per employee.
    """
    inner = (
        select(Assignment.employee_id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Assignment.kind == "definitive", held_on(day))
    )
    if units is not None:
        inner = inner.where(units)
    return Employee.id.in_(inner)


def employees_query(
    flt: EmployeeFilter, *, day: dt.date, visible: UnitCondition | None, self_id: int | None
) -> Select[Employee]:
    query = select(Employee)
    if visible is not None:
        scoped = in_units(visible(Position.unit_id), day)
        query = query.where(or_(scoped, Employee.id == self_id) if self_id is not None else scoped)
    if flt.unit is not None:
        unit_cond = (
            Position.unit_id.in_(subtree_ids(flt.unit.path))
            if flt.include_subunits
            else Position.unit_id == flt.unit.id
        )
        query = query.where(in_units(unit_cond, day))
    if flt.rank:
        query = query.where(Employee.rank_code == flt.rank)
    if flt.search:
        text = flt.search.strip()
        digits = "".join(text.split())
        if digits.isascii() and digits.isdigit():
            query = query.where(Employee.nip.startswith(digits))
        else:
            query = query.where(func.lower(Employee.name).like(f"%{text.lower()}%"))
    return query


async def employees_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Employee]:
    return await _rows_by_id(session, Employee, ids)


async def employee_by_nip(session: AsyncSession, nip: str, *, lock: bool = False) -> Employee | None:
    """The employee with ``nip`` (display spaces allowed); ``lock``: their row, on PostgreSQL, until commit."""
    query = select(Employee).where(Employee.nip == normalize(nip))
    if lock and is_postgres(session):
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def employee_nip(session: AsyncSession, employee_id: int) -> str:
    return str((await session.execute(select(Employee.nip).where(Employee.id == employee_id))).scalar_one())


async def position_by_id(session: AsyncSession, position_id: int | None) -> Position | None:
    if position_id is None:
        return None
    return await session.get(Position, position_id)


async def current_position(session: AsyncSession, employee_id: int, on: dt.date) -> Position | None:
    """The position the employee holds definitively on ``on``."""
    return (
        await session.execute(
            select(Position)
            .join(Assignment, Assignment.position_id == Position.id)
            .where(Assignment.employee_id == employee_id, Assignment.kind == "definitive", held_on(on))
            .order_by(Assignment.start_date.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def unit_codes_and_paths(session: AsyncSession, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Code and path of each unit of ``ids``: one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Unit.id, Unit.code, Unit.path).where(one_of(session, Unit.id, wanted)))
    return {r.id: (r.code, r.path) for r in rows}


async def definitive_assignments_from(session: AsyncSession, employee_id: int, day: dt.date) -> list[Assignment]:
    """The employee's definitive assignments still running on or after ``day`` (for closing them)."""
    query = select(Assignment).where(
        Assignment.employee_id == employee_id,
        Assignment.kind == "definitive",
        or_(Assignment.end_date.is_(None), Assignment.end_date >= day),
    )
    return list((await session.execute(query)).scalars())


async def end_assignment(session: AsyncSession, assignment_id: int, end: dt.date) -> None:
    await session.execute(update(Assignment).where(Assignment.id == assignment_id).values(end_date=end))


async def family_tie(session: AsyncSession, one: int, other: int) -> str | None:
    """The kind of the family tie declared between two employees, whichever of them declared it."""
    query = select(FamilyRelation.kind).where(
        or_(
            (FamilyRelation.employee_id == one) & (FamilyRelation.relative_id == other),
            (FamilyRelation.employee_id == other) & (FamilyRelation.relative_id == one),
        )
    )
    return (await session.execute(query)).scalar_one_or_none()


async def evaluation_result(session: AsyncSession, employee_id: int, year: int) -> EvaluationResult | None:
    query = select(EvaluationResult).where(EvaluationResult.employee_id == employee_id, EvaluationResult.year == year)
    return (await session.execute(query)).scalar_one_or_none()


async def posts_on(session: AsyncSession, employee_ids: Sequence[int], day: dt.date) -> dict[int, int]:
    """The definitive position id of each employee on ``day`` (employees without one are absent)."""
    if not employee_ids:
        return {}
    query = (
        select(Assignment.employee_id, Assignment.position_id)
        .where(one_of(session, Assignment.employee_id, employee_ids), Assignment.kind == "definitive", held_on(day))
        .order_by(Assignment.employee_id, Assignment.start_date)
    )
    return {eid: pid for eid, pid in (await session.execute(query)).all()}


Record = TypeVar("Record", Assignment, EvaluationResult, RankHistory)  # the records kept per employee


async def assignments_of(session: AsyncSession, employee_ids: Sequence[int]) -> dict[int, list[Assignment]]:
    return await _records_of(session, Assignment, employee_ids, Assignment.start_date, Assignment.id)


async def evaluations_of(session: AsyncSession, employee_ids: Sequence[int]) -> dict[int, list[EvaluationResult]]:
    return await _records_of(session, EvaluationResult, employee_ids, EvaluationResult.year)


async def rank_history_of(session: AsyncSession, employee_ids: Sequence[int]) -> dict[int, list[RankHistory]]:
    """Each employee's ranks with their TMT and decree, oldest first: one statement for a page."""
    return await _records_of(session, RankHistory, employee_ids, RankHistory.tmt)


async def _records_of(
    session: AsyncSession, kind: type[Record], employee_ids: Sequence[int], *order: InstrumentedAttribute[Any]
) -> dict[int, list[Record]]:
    """Each employee's records of a kind in ``order``: one statement for a page of employees."""
    out: dict[int, list[Record]] = defaultdict(list)
    if not employee_ids:
        return out
    query = select(kind).where(one_of(session, kind.employee_id, employee_ids)).order_by(kind.employee_id, *order)
    for record in (await session.execute(query)).scalars():
        out[record.employee_id].append(record)
    return out


async def training_hours(session: AsyncSession, employee_ids: Sequence[int], year: int) -> dict[int, int]:
    if not employee_ids:
        return {}
    query = (
        select(TrainingRecord.employee_id, func.coalesce(func.sum(TrainingRecord.hours), 0))
        .where(
            one_of(session, TrainingRecord.employee_id, employee_ids),
            TrainingRecord.verified.is_(True),
            TrainingRecord.date >= dt.date(year, 1, 1),
            TrainingRecord.date <= dt.date(year, 12, 31),
        )
        .group_by(TrainingRecord.employee_id)
    )
    return {eid: int(h) for eid, h in (await session.execute(query)).all()}
