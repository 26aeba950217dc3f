"""What guards, facts and statistics ask of requests, as SQL: the requests holding a position's slot, an
employee's open request of a kind, the unit's evaluations already given a predicate, and the unit's
decisions of a year with their median duration."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, String, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Employee, WorkflowRequest
from server.sql import is_postgres, one_of


@functools.cache
def reserving_states() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(kind, states)`` of every workflow whose requests fill a slot (``proposal.holds_slot`` in its definitions):
    the decided states a request waits in before it takes effect (``Definition.reserving_states``, every
    installed version). A request there holds its slot, so two decisions cannot fill one vacancy."""
    from workflows import catalog  # the catalog loads the guards, which read these facts

    states: dict[str, set[str]] = {}
    for definition in catalog.all_definitions():
        if definition.proposal.holds_slot:
            states.setdefault(definition.kind, set()).update(definition.reserving_states)
    return tuple((kind, tuple(sorted(found))) for kind, found in sorted(states.items()))


def _reserving() -> ColumnElement[bool]:
    """SQL on ``WorkflowRequest``: decided into its position and not yet in effect (it holds the slot)."""
    return and_(
        or_(
            *(
                # the states as bound literals, not a list: a list is an expanding IN, re-rendered per execution
                and_(WorkflowRequest.kind == kind, WorkflowRequest.state.in_([literal(s, String) for s in states]))
                for kind, states in reserving_states()
            )
        ),
        WorkflowRequest.effects_applied.is_(False),
    )


def holding_slot_count(
    columns: Sequence[Any], position: BindParameter[int], exclude: BindParameter[Any]
) -> Select[Any]:
    """``columns`` (a union branch's row, counting) over the requests holding ``position``'s slot, but the
    request ``exclude`` (NULL excludes nothing)."""
    return select(*columns).where(
        WorkflowRequest.position_id == position, _reserving(), WorkflowRequest.id.is_distinct_from(exclude)
    )


async def holding_slots(session: AsyncSession, positions: Sequence[int]) -> list[tuple[int, int]]:
    """``(position id, request id)`` of every request holding a slot of ``positions``: one statement."""
    rows = await session.execute(
        select(WorkflowRequest.position_id, WorkflowRequest.id).where(
            one_of(session, WorkflowRequest.position_id, positions), _reserving()
        )
    )
    return [(int(position), int(request)) for position, request in rows if position is not None]


def _open_of(kind: str) -> list[ColumnElement[bool]]:
    return [WorkflowRequest.kind == kind, WorkflowRequest.terminal.is_(False)]


def has_open_request(kind: str) -> ColumnElement[bool]:
    """SQL on ``Employee``: an unfinished request of ``kind`` is about them."""
    return exists().where(*_open_of(kind), WorkflowRequest.subject_employee_id == Employee.id)


async def open_request_about(session: AsyncSession, kind: str, employee_id: int) -> int | None:
    """An unfinished request of ``kind`` about the employee (its id), or None."""
    query = select(WorkflowRequest.id).where(*_open_of(kind), WorkflowRequest.subject_employee_id == employee_id)
    return (await session.execute(query)).scalar()


async def open_request_about_position(session: AsyncSession, kind: str, position_id: int) -> int | None:
    """An unfinished request of ``kind`` about the position (a formasi change; its id), or None."""
    query = select(WorkflowRequest.id).where(*_open_of(kind), WorkflowRequest.subject_position_id == position_id)
    return (await session.execute(query.limit(1))).scalar()


async def evaluations_rated(
    session: AsyncSession, unit_id: int | None, year: int, predicate: str, *, besides: int
) -> int:
    """The unit's evaluations of ``year`` but ``besides`` that carry ``predicate`` (withdrawn ones carry none)."""
    query = select(func.count()).where(
        WorkflowRequest.kind == "EVALUATION",
        WorkflowRequest.unit_id == unit_id,
        WorkflowRequest.id != besides,
        WorkflowRequest.data["year"].as_integer() == year,
        WorkflowRequest.data["predicate"].as_string() == predicate,
    )
    return int((await session.execute(query)).scalar_one())


def _days(session: AsyncSession) -> ColumnElement[Any]:
    """SQL: days from a request's proposal to its last change (fractional)."""
    if is_postgres(session):
        return func.extract("epoch", WorkflowRequest.updated_at - WorkflowRequest.created_at) / 86400.0
    return func.julianday(WorkflowRequest.updated_at) - func.julianday(WorkflowRequest.created_at)


async def decisions_of_unit(
    session: AsyncSession, unit_id: int, start: dt.datetime, end: dt.datetime
) -> tuple[int, float | None]:
    """The unit's requests ended in ``[start, end)`` (not withdrawn) and the median of their days, in one
    statement."""
    days = _days(session).label("days")
    ranked = (
        select(
            days,
            func.row_number().over(order_by=days).label("rn"),
            func.count().over().label("n"),
        )
        .where(
            WorkflowRequest.unit_id == unit_id,
            WorkflowRequest.terminal.is_(True),
            WorkflowRequest.state != "withdrawn",
            WorkflowRequest.updated_at >= start,
            WorkflowRequest.updated_at < end,
        )
        .subquery()
    )
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    row = (
        await session.execute(select(func.coalesce(func.max(ranked.c.n), 0), func.avg(case((middle, ranked.c.days)))))
    ).one()
    return int(row[0]), (float(row[1]) if row[1] is not None else None)
