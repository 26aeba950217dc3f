"""The queries guards and effects read: assignments, holders, predicates, sanctions. All SQL of them is here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Assignment, DisciplinarySanction, EvaluationResult, Position, WorkflowRequest

# States in which a request into a position has been decided but has not taken effect yet: such a
# request holds the slot, so two decisions cannot fill one vacancy.
DECIDED_STATES: tuple[str, ...] = ("approved", "decreed", "decided")
SLOT_KINDS: tuple[str, ...] = ("PLACEMENT", "TRANSFER", "POSITION_PROMOTION")


@dataclass(frozen=True)
class Stint:
    """A period in a position, for experience and years-in-post rules."""

    position_id: int
    position_type: str
    min_rank: str | None
    job_class: int | None
    start: dt.date
    end: dt.date | None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February lands on 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


def years_between(start: dt.date, end: dt.date) -> float:
    return max((end - start).days, 0) / 365.25


def covering(on: dt.date) -> list[ColumnElement[bool]]:
    """SQL: a definitive assignment covering ``on``."""
    return [
        Assignment.kind == "definitive",
        Assignment.start_date <= on,
        or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
    ]


async def stints(session: AsyncSession, employee_id: int) -> list[Stint]:
    rows = (
        await session.execute(
            select(
                Assignment.position_id,
                Position.type,
                Position.min_rank,
                Position.job_class,
                Assignment.start_date,
                Assignment.end_date,
            )
            .join(Position, Position.id == Assignment.position_id)
            .where(Assignment.employee_id == employee_id, Assignment.kind == "definitive")
            .order_by(Assignment.start_date)
        )
    ).all()
    return [Stint(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def stint_on(history: Sequence[Stint], on: dt.date) -> Stint | None:
    for stint in history:
        if stint.start <= on and (stint.end is None or stint.end >= on):
            return stint
    return None


def years_in(history: Sequence[Stint], types: Sequence[str], until: dt.date) -> float:
    """Years spent in positions of ``types`` up to ``until``."""
    total = 0.0
    for stint in history:
        if stint.position_type in types and stint.start < until:
            end = min(stint.end or until, until)
            total += years_between(stint.start, end)
    return total


async def holders_on(session: AsyncSession, position_id: int, on: dt.date) -> list[int]:
    """Employee ids holding ``position_id`` definitively on ``on``."""
    rows = await session.execute(
        select(Assignment.employee_id).where(Assignment.position_id == position_id, *covering(on))
    )
    return [r[0] for r in rows]


async def decided_into(session: AsyncSession, position_id: int, *, exclude_request_id: int | None) -> int:
    """Requests already decided into the position but not yet effective (they hold a slot)."""
    query = select(func.count()).where(
        WorkflowRequest.position_id == position_id,
        WorkflowRequest.kind.in_(SLOT_KINDS),
        WorkflowRequest.state.in_(DECIDED_STATES),
        WorkflowRequest.effects_applied.is_(False),
    )
    if exclude_request_id is not None:
        query = query.where(WorkflowRequest.id != exclude_request_id)
    return int((await session.execute(query)).scalar_one())


async def predicates(session: AsyncSession, employee_id: int, years: Sequence[int]) -> dict[int, str]:
    rows = await session.execute(
        select(EvaluationResult.year, EvaluationResult.predicate).where(
            EvaluationResult.employee_id == employee_id, EvaluationResult.year.in_(list(years))
        )
    )
    return {r[0]: r[1] for r in rows}


async def active_sanctions(
    session: AsyncSession, employee_id: int, *, start: dt.date, end: dt.date, severities: Sequence[str]
) -> list[DisciplinarySanction]:
    """Sanctions of ``severities`` running at any time from ``start`` to ``end``."""
    rows = await session.execute(
        select(DisciplinarySanction).where(
            DisciplinarySanction.employee_id == employee_id,
            DisciplinarySanction.severity.in_(list(severities)),
            and_(
                DisciplinarySanction.start_date <= end,
                or_(DisciplinarySanction.end_date.is_(None), DisciplinarySanction.end_date >= start),
            ),
        )
    )
    return list(rows.scalars())
