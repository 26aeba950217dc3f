"""Every statement of the write path on requests, tasks and idempotency records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.nip import normalize
from server.models import Assignment, Employee, IdempotencyRecord, Position, Task, Unit, WorkflowRequest
from workflows import facts
from workflows.authorize import UnitRef


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def employee_by_nip(session: AsyncSession, nip: str, *, lock: bool = False) -> Employee | None:
    query = select(Employee).where(Employee.nip == normalize(nip))
    if lock and is_postgres(session):
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def employee_nip(session: AsyncSession, employee_id: int) -> str:
    return str((await session.execute(select(Employee.nip).where(Employee.id == employee_id))).scalar_one())


async def position_by_code(session: AsyncSession, code: str) -> Position | None:
    return (await session.execute(select(Position).where(Position.code == code))).scalar_one_or_none()


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
            .where(Assignment.employee_id == employee_id, *facts.covering(on))
            .order_by(Assignment.start_date.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def unit_refs(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, UnitRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Unit.id, Unit.code, Unit.path).where(Unit.id.in_(wanted)))
    return {r.id: UnitRef(r.id, r.code, r.path) for r in rows}


async def load_request(session: AsyncSession, request_id: int, *, lock: bool) -> WorkflowRequest | None:
    """The request, detached: the write path changes it only through ``save_step``'s versioned UPDATE."""
    query = select(WorkflowRequest).where(WorkflowRequest.id == request_id)
    if lock and is_postgres(session):
        query = query.with_for_update()
    request = (await session.execute(query)).scalar_one_or_none()
    if request is not None:
        session.expunge(request)
    return request


async def insert_request(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(insert(WorkflowRequest).values(**values).returning(WorkflowRequest.id))
    return int(result.scalar_one())


async def save_step(session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime) -> bool:
    """Store the request's new state if nobody changed it since ``expected_version`` (False: somebody did)."""
    result = await session.execute(
        update(WorkflowRequest)
        .where(WorkflowRequest.id == request.id, WorkflowRequest.version == expected_version)
        .values(
            state=request.state,
            version=expected_version + 1,
            terminal=request.terminal,
            data=dict(request.data),
            rule_versions=dict(request.rule_versions),
            effects_applied=request.effects_applied,
            updated_at=now,
        )
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def open_request_of(session: AsyncSession, kind: str, subject_id: int, *, year: int | None = None) -> int | None:
    """An unfinished request of ``kind`` about the employee (for evaluations: of that year)."""
    rows = await session.execute(
        select(WorkflowRequest.id, WorkflowRequest.data).where(
            WorkflowRequest.kind == kind,
            WorkflowRequest.subject_employee_id == subject_id,
            WorkflowRequest.terminal.is_(False),
        )
    )
    for row in rows:
        if year is None or (row.data or {}).get("year") == year:
            return int(row.id)
    return None


async def evaluation_of_year(session: AsyncSession, subject_id: int, year: int) -> int | None:
    rows = await session.execute(
        select(WorkflowRequest.id, WorkflowRequest.data).where(
            WorkflowRequest.kind == "EVALUATION", WorkflowRequest.subject_employee_id == subject_id
        )
    )
    return next((int(r.id) for r in rows if (r.data or {}).get("year") == year), None)


async def close_tasks(session: AsyncSession, request_id: int, *, by: str, now: dt.datetime) -> None:
    await session.execute(
        update(Task).where(Task.request_id == request_id, Task.closed_at.is_(None)).values(closed_at=now, closed_by=by)
    )


async def add_tasks(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Task), rows)


async def idempotency_record(session: AsyncSession, user_id: str, key: str) -> IdempotencyRecord | None:
    return (
        await session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        )
    ).scalar_one_or_none()


async def store_idempotency(
    session: AsyncSession, user_id: str, key: str, input_hash: str, result: Mapping[str, Any], now: dt.datetime
) -> None:
    await session.execute(
        insert(IdempotencyRecord).values(
            user_id=user_id, key=key, input_hash=input_hash, result=dict(result), created_at=now
        )
    )


async def waiting_requests(session: AsyncSession, states: Iterable[str]) -> list[int]:
    """Unfinished requests in a state the scheduler may move on, oldest first."""
    rows = await session.execute(
        select(WorkflowRequest.id)
        .where(WorkflowRequest.terminal.is_(False), WorkflowRequest.state.in_(list(states)))
        .order_by(WorkflowRequest.id)
    )
    return [int(r[0]) for r in rows]
