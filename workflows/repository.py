"""Every statement of the write path on requests and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.domain.nip import normalize
from server.models import Assignment, Employee, Position, Task, Unit, WorkflowRequest
from server.sql import is_postgres
from workflows import facts
from workflows.authorize import UnitRef


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


@dataclass(frozen=True)
class RequestRow:
    """A request with what its steps read: its subject, position, origin position and units (by id)."""

    request: WorkflowRequest
    subject: Employee
    position: Position | None
    origin_position: Position | None
    units: dict[int, UnitRef]


_POSITION = aliased(Position, name="request_position")
_ORIGIN = aliased(Position, name="origin_position")
_UNIT = aliased(Unit, name="request_unit")
_ORIGIN_UNIT = aliased(Unit, name="origin_unit")
# One statement for all of it, built once (only the id varies). The origin unit's id is in the request's
# data (``originUnitId``, written by the proposal), read with the backend's JSON operator.
_REQUEST_ROW = (
    select(
        WorkflowRequest,
        Employee,
        _POSITION,
        _ORIGIN,
        *(c.label(f"request_unit_{c.key}") for c in (_UNIT.id, _UNIT.code, _UNIT.path)),
        *(c.label(f"origin_unit_{c.key}") for c in (_ORIGIN_UNIT.id, _ORIGIN_UNIT.code, _ORIGIN_UNIT.path)),
    )
    .join(Employee, Employee.id == WorkflowRequest.subject_employee_id)
    .outerjoin(_POSITION, _POSITION.id == WorkflowRequest.position_id)
    .outerjoin(_ORIGIN, _ORIGIN.id == WorkflowRequest.origin_position_id)
    .outerjoin(_UNIT, _UNIT.id == WorkflowRequest.unit_id)
    .outerjoin(_ORIGIN_UNIT, _ORIGIN_UNIT.id == WorkflowRequest.data["originUnitId"].as_integer())
    .where(WorkflowRequest.id == bindparam("request_id"))
)
# PostgreSQL locks the request's row only (``FOR UPDATE OF workflow_requests``): two acts on one request
# queue on it, while the subject, positions and units stay free for other requests. SQLite has no row
# locks: its write transactions already hold the database's write lock (``BEGIN IMMEDIATE``).
_REQUEST_ROW_LOCKED = _REQUEST_ROW.with_for_update(of=WorkflowRequest)


async def request_row(session: AsyncSession, request_id: int, *, lock: bool) -> RequestRow | None:
    """The request and what its steps read, in one statement; the request is detached (the write path
    changes it only through ``save_step``'s versioned UPDATE), the subject stays in the session (effects
    change it through the unit of work)."""
    query = _REQUEST_ROW_LOCKED if lock and is_postgres(session) else _REQUEST_ROW
    row = (await session.execute(query, {"request_id": request_id})).one_or_none()
    if row is None:
        return None
    request, subject, position, origin = row[0], row[1], row[2], row[3]
    session.expunge(request)
    units = {
        unit_id: UnitRef(unit_id, code, path)
        for unit_id, code, path in (
            (row.request_unit_id, row.request_unit_code, row.request_unit_path),
            (row.origin_unit_id, row.origin_unit_code, row.origin_unit_path),
        )
        if unit_id is not None
    }
    return RequestRow(request, subject, position, origin, units)


async def insert_request(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(insert(WorkflowRequest).values(**values).returning(WorkflowRequest.id))
    return int(result.scalar_one())


# The statements every step runs, built once on the tables: nothing here needs the ORM's identity map or
# unit of work (the request is detached, tasks are never loaded as objects in the write path), and Core
# statements cost a fraction of the ORM's to run.
_REQUESTS = cast(Table, WorkflowRequest.__table__)
_TASKS = cast(Table, Task.__table__)
_SAVE_STEP = (
    update(_REQUESTS)
    .where(_REQUESTS.c.id == bindparam("request_id"), _REQUESTS.c.version == bindparam("expected_version"))
    .values(
        state=bindparam("new_state"),
        version=bindparam("new_version"),
        terminal=bindparam("new_terminal"),
        data=bindparam("new_data"),
        rule_versions=bindparam("new_rule_versions"),
        effects_applied=bindparam("new_effects_applied"),
        updated_at=bindparam("new_updated_at"),
    )
)
_CLOSE_TASKS = (
    update(_TASKS)
    .where(_TASKS.c.request_id == bindparam("of_request_id"), _TASKS.c.closed_at.is_(None))
    .values(closed_at=bindparam("new_closed_at"), closed_by=bindparam("new_closed_by"))
)
_ADD_TASKS = insert(_TASKS)


async def save_step(session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime) -> bool:
    """Store the request's new state if nobody changed it since ``expected_version`` (False: somebody did)."""
    result = await session.execute(
        _SAVE_STEP,
        {
            "request_id": request.id,
            "expected_version": expected_version,
            "new_state": request.state,
            "new_version": expected_version + 1,
            "new_terminal": request.terminal,
            "new_data": dict(request.data),
            "new_rule_versions": dict(request.rule_versions),
            "new_effects_applied": request.effects_applied,
            "new_updated_at": now,
        },
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def open_request_of(session: AsyncSession, kinds: Sequence[str], subject_id: int) -> tuple[int, str] | None:
    """The oldest unfinished request of one of ``kinds`` about the employee: its id and kind."""
    found = (
        await session.execute(
            select(WorkflowRequest.id, WorkflowRequest.kind)
            .where(
                WorkflowRequest.kind.in_(kinds),
                WorkflowRequest.subject_employee_id == subject_id,
                WorkflowRequest.terminal.is_(False),
            )
            .order_by(WorkflowRequest.id)
            .limit(1)
        )
    ).first()
    return (int(found.id), str(found.kind)) if found is not None else None


async def evaluation_of_year(session: AsyncSession, subject_id: int, year: int) -> int | None:
    rows = await session.execute(
        select(WorkflowRequest.id, WorkflowRequest.data).where(
            WorkflowRequest.kind == "EVALUATION", WorkflowRequest.subject_employee_id == subject_id
        )
    )
    return next((int(r.id) for r in rows if (r.data or {}).get("year") == year), None)


async def close_tasks(session: AsyncSession, request_id: int, *, by: str, now: dt.datetime) -> None:
    await session.execute(_CLOSE_TASKS, {"of_request_id": request_id, "new_closed_at": now, "new_closed_by": by})


async def add_tasks(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert task rows (every row with the same keys, as ``steps.task_rows`` makes them)."""
    if rows:
        await session.execute(_ADD_TASKS, rows)


async def waiting_requests(session: AsyncSession, states: Iterable[str]) -> list[int]:
    """Unfinished requests in a state the scheduler may move on, oldest first."""
    rows = await session.execute(
        select(WorkflowRequest.id)
        .where(WorkflowRequest.terminal.is_(False), WorkflowRequest.state.in_(list(states)))
        .order_by(WorkflowRequest.id)
    )
    return [int(r[0]) for r in rows]
