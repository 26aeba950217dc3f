"""Every statement of the write path on requests, their approvals and tasks (people, positions and units:
``server.registry.queries``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Integer, Label, Select, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server import one_statement
from server.driver import fetch
from server.models import Employee, Position, RequestApproval, Task, Unit, WorkflowRequest
from server.registry import queries as registry
from server.sql import is_postgres, one_of
from workflows.authorize import UnitRef


async def unit_refs(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, UnitRef]:
    found = await registry.unit_codes_and_paths(session, [i for i in ids if i is not None])
    return {i: UnitRef(i, code, path) for i, (code, path) in found.items()}


@dataclass(frozen=True)
class RequestRow:
    """A request with what its steps read: its subject, position, origin position and units (by id)."""

    request: WorkflowRequest
    subject: Employee
    position: Position | None
    origin_position: Position | None
    units: dict[int, UnitRef]
    approvals: dict[str, str]


_POSITION = aliased(Position, name="request_position")
_ORIGIN = aliased(Position, name="origin_position")
_UNIT = aliased(Unit, name="request_unit")
_ORIGIN_UNIT = aliased(Unit, name="origin_unit")


def _approvals_json(postgres: bool) -> Label[Any]:
    """SQL: the request's approvals as a JSON array of [person, step] pairs (NULL or [] when none)."""
    pair = (func.json_build_array if postgres else func.json_array)(RequestApproval.person, RequestApproval.step)
    rows = (func.json_agg if postgres else func.json_group_array)(pair)
    return (
        select(rows)
        .where(RequestApproval.request_id == WorkflowRequest.id)
        .correlate(WorkflowRequest)
        .scalar_subquery()
        .label("approvals")
    )


def _request_row(postgres: bool) -> Select[*tuple[Any, ...]]:
    """One statement for all of it (only the id varies), approvals included as a correlated aggregate."""
    return (
        select(
            WorkflowRequest,
            Employee,
            _POSITION,
            _ORIGIN,
            *(c.label(f"request_unit_{c.key}") for c in (_UNIT.id, _UNIT.code, _UNIT.path)),
            *(c.label(f"origin_unit_{c.key}") for c in (_ORIGIN_UNIT.id, _ORIGIN_UNIT.code, _ORIGIN_UNIT.path)),
            _approvals_json(postgres),
        )
        .join(Employee, Employee.id == WorkflowRequest.subject_employee_id)
        # the position a step reads: the one the request fills, or the one it is about (a quota change's)
        .outerjoin(
            _POSITION, _POSITION.id == func.coalesce(WorkflowRequest.position_id, WorkflowRequest.subject_position_id)
        )
        .outerjoin(_ORIGIN, _ORIGIN.id == WorkflowRequest.origin_position_id)
        .outerjoin(_UNIT, _UNIT.id == WorkflowRequest.unit_id)
        .outerjoin(_ORIGIN_UNIT, _ORIGIN_UNIT.id == WorkflowRequest.origin_unit_id)
        .where(WorkflowRequest.id == bindparam("request_id"))
    )


# PostgreSQL locks the request's row only (``FOR UPDATE OF workflow_requests``): two acts on one request
# queue on it, while the subject, positions and units stay free for other requests. SQLite has no row
# locks: its write transactions already hold the database's write lock (``BEGIN IMMEDIATE``).
_REQUEST_ROW = {
    (True, True): _request_row(True).with_for_update(of=WorkflowRequest),
    (True, False): _request_row(True),
    (False, False): _request_row(False),
}


def _pairs(raw: Any) -> dict[str, str]:
    pairs = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    return {str(person): str(step) for person, step in pairs or ()}


async def request_row(session: AsyncSession, request_id: int, *, lock: bool) -> RequestRow | None:
    """The request and what its steps read, in one statement; the request is detached (the write path
    changes it only through ``save_step``'s versioned UPDATE), the subject stays in the session (effects
    change it through the unit of work)."""
    postgres = is_postgres(session)
    query = _REQUEST_ROW[postgres, lock and postgres]
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
    return RequestRow(request, subject, position, origin, units, _pairs(row.approvals))


async def approvals_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Person -> approval step, per request of a page: one statement."""
    found: dict[int, dict[str, str]] = {}
    if not request_ids:
        return found
    rows = await session.execute(
        select(RequestApproval.request_id, RequestApproval.person, RequestApproval.step).where(
            one_of(session, RequestApproval.request_id, request_ids)
        )
    )
    for request_id, person, step in rows:
        found.setdefault(request_id, {})[person] = step
    return found


async def add_approvals(
    session: AsyncSession, request_id: int, step: str, persons: Sequence[str], *, by: str, now: dt.datetime
) -> None:
    """Record that ``persons`` approved ``step``; a person who already approved a step of the request keeps
    their first one (segregation of duties counts one approval step per person, across every round)."""
    dialect_insert = pg_insert if is_postgres(session) else sqlite_insert
    rows = [{"request_id": request_id, "person": p, "step": step, "user_id": by, "approved_at": now} for p in persons]
    await session.execute(dialect_insert(RequestApproval).on_conflict_do_nothing(), rows)


async def insert_request(session: AsyncSession, values: Mapping[str, Any]) -> int:
    result = await session.execute(insert(WorkflowRequest).values(**values).returning(WorkflowRequest.id))
    return int(result.scalar_one())


# The statements every step runs, built once on the tables: nothing here needs the ORM's identity map or
# unit of work (the request is detached, tasks are never loaded as objects in the write path), and Core
# statements cost a fraction of the ORM's to run.
_REQUESTS = cast(Table, WorkflowRequest.__table__)
_TASKS = cast(Table, Task.__table__)
# The columns a step sets on the request's row, each from the parameter ``new_<column>``.
_STEP_COLUMNS = (
    "state",
    "version",
    "terminal",
    "data",
    "delivered_on",
    "last_action",
    "last_from_state",
    "last_by",
    "rule_versions",
    "effects_applied",
    "updated_at",
)
_SAVE_STEP = (
    update(_REQUESTS)
    .where(_REQUESTS.c.id == bindparam("saved_request_id"), _REQUESTS.c.version == bindparam("expected_version"))
    .values({name: bindparam(f"new_{name}") for name in _STEP_COLUMNS})
)
_CLOSE_TASKS = (
    update(_TASKS)
    .where(_TASKS.c.request_id == bindparam("of_request_id"), _TASKS.c.closed_at.is_(None))
    .values(closed_at=bindparam("new_closed_at"), closed_by=bindparam("new_closed_by"))
)
_ADD_TASKS = insert(_TASKS)

# The task columns a step sets, each bound as one array (unnest makes the rows): request_id comes from the UPDATE.
_TASK_COLUMNS = ("step", "role", "unit_id", "assignee_user_id", "due_at", "opened_at")
_TASK_TYPES = ("text", "text", "integer", "text", "timestamptz", "timestamptz")

# A step's writes as PostgreSQL data-modifying CTEs: ``saved`` is the versioned UPDATE (a row when it matched,
# none when somebody changed the request first); the approvals, the closing and the new tasks read its id, so
# they happen only when it matched. All parts see the snapshot the statement started with: the tasks closed
# are the ones open before it, not the new ones. Run alone (``_STORE_STEP``) or ahead of the audit append
# (``server.one_statement``).
STEP_CTES = """saved AS (
    UPDATE workflow_requests SET {assignments}
    WHERE id = :saved_request_id AND version = :expected_version
    RETURNING id
),
approved AS (
    INSERT INTO request_approvals (request_id, person, step, user_id, approved_at)
    SELECT saved.id, approver.person, CAST(:approval_step AS text), CAST(:approved_by AS text),
        CAST(:approved_at AS timestamptz)
    FROM saved CROSS JOIN unnest(CAST(:approvers AS text[])) AS approver(person)
    ON CONFLICT DO NOTHING
),
closed AS (
    UPDATE tasks SET closed_at = :new_closed_at, closed_by = :new_closed_by
    WHERE request_id IN (SELECT id FROM saved) AND closed_at IS NULL
),
opened AS (
    INSERT INTO tasks (request_id, {task_columns})
    SELECT saved.id, {task_values}
    FROM saved CROSS JOIN unnest({task_arrays}) AS new_task({task_columns})
)""".format(
    assignments=", ".join(f"{name} = :new_{name}" for name in _STEP_COLUMNS),
    task_columns=", ".join(_TASK_COLUMNS),
    task_values=", ".join(f"new_task.{name}" for name in _TASK_COLUMNS),
    task_arrays=", ".join(f"CAST(:task_{n}s AS {t}[])" for n, t in zip(_TASK_COLUMNS, _TASK_TYPES, strict=True)),
)
# the parameters that need the engine's conversion (JSON is serialized by it, as the ORM stores it)
_STEP_BINDS = (
    bindparam("new_data", type_=_REQUESTS.c.data.type),
    bindparam("new_rule_versions", type_=_REQUESTS.c.rule_versions.type),
)
_STORE_STEP = (
    text(f"WITH {STEP_CTES}\nSELECT count(*) AS stored FROM saved").bindparams(*_STEP_BINDS).columns(stored=Integer())
)


async def save_step(session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime) -> bool:
    """Store the request's new state if nobody changed it since ``expected_version`` (False: somebody did)."""
    result = await session.execute(_SAVE_STEP, _save_params(request, expected_version, now))
    return bool(getattr(result, "rowcount", 0) == 1)


def _save_params(request: WorkflowRequest, expected_version: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "saved_request_id": request.id,  # not request_id: a column of tasks, which the statement also updates
        "expected_version": expected_version,
        "new_state": request.state,
        "new_version": expected_version + 1,
        "new_terminal": request.terminal,
        "new_data": dict(request.data),
        "new_delivered_on": request.delivered_on,
        "new_last_action": request.last_action,
        "new_last_from_state": request.last_from_state,
        "new_last_by": request.last_by,
        "new_rule_versions": dict(request.rule_versions),
        "new_effects_applied": request.effects_applied,
        "new_updated_at": now,
    }


@dataclass(frozen=True)
class StepWrites:
    """What a step stores besides the request's row: the approval it records (``approvers``, empty for a step
    that is not an approval), the open tasks it closes (all of the request's) and the ones it opens."""

    step: str
    by: str
    approvers: Sequence[str]
    tasks: Sequence[Mapping[str, Any]]


async def store_step(
    session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime, writes: StepWrites
) -> bool:
    """Store a step if nobody changed the request since ``expected_version`` (False: somebody did, and nothing
    was stored): the request's new state, the approvals, the tasks closed and opened.

    On PostgreSQL one statement (``store_step_at_once``); SQLite has no data-modifying CTEs and keeps the
    statements in turn (``store_step_in_turn``), whose round trips are in-process calls."""
    if is_postgres(session):
        return await store_step_at_once(session, request, expected_version, now, writes)
    return await store_step_in_turn(session, request, expected_version, now, writes)


async def store_step_in_turn(
    session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime, writes: StepWrites
) -> bool:
    """``store_step`` as up to four statements: the versioned UPDATE, then the rest only if it matched."""
    if not await save_step(session, request, expected_version, now):
        return False
    if writes.approvers:
        await add_approvals(session, request.id, writes.step, writes.approvers, by=writes.by, now=now)
    await close_tasks(session, request.id, by=writes.by, now=now)
    await add_tasks(session, writes.tasks)
    return True


async def store_step_at_once(
    session: AsyncSession, request: WorkflowRequest, expected_version: int, now: dt.datetime, writes: StepWrites
) -> bool:
    """``store_step`` in one PostgreSQL statement (``STEP_CTES``), or, in a session that defers its write
    (``server.one_statement``), kept for the audit append's statement; it is then stored only if the version
    still matches, with the audit events, and the runner takes the command again in a transaction if not."""
    params = _store_params(request, expected_version, now, writes)
    if one_statement.deferring(session):
        one_statement.defer(session, one_statement.DeferredWrite(STEP_CTES, "saved", _STEP_BINDS, params))
        return True
    return bool((await fetch(session, _STORE_STEP, params, in_transaction=True))[0][0] == 1)


def _store_params(
    request: WorkflowRequest, expected_version: int, now: dt.datetime, writes: StepWrites
) -> dict[str, Any]:
    tasks = writes.tasks
    return _save_params(request, expected_version, now) | {
        "approval_step": writes.step,
        "approved_by": writes.by,
        "approved_at": now,
        "approvers": list(writes.approvers),
        "new_closed_at": now,
        "new_closed_by": writes.by,
        **{f"task_{name}s": [t.get(name) for t in tasks] for name in _TASK_COLUMNS},
    }


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


async def add_tasks(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert task rows (every row with the same keys, as ``steps.task_rows`` makes them)."""
    if rows:
        await session.execute(_ADD_TASKS, list(rows))


async def waiting_requests(session: AsyncSession, states: Iterable[str]) -> list[int]:
    """Unfinished requests in a state the scheduler may move on, oldest first."""
    rows = await session.execute(
        select(WorkflowRequest.id)
        .where(WorkflowRequest.terminal.is_(False), WorkflowRequest.state.in_(list(states)))
        .order_by(WorkflowRequest.id)
    )
    return [int(r[0]) for r in rows]
