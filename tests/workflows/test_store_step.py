"""A step's writes on PostgreSQL are one statement (``store_step_at_once``: data-modifying CTEs); they store
exactly what the statements in turn store (``store_step_in_turn``, SQLite's path and PostgreSQL's before):
the request's row, its approvals, the tasks closed and the tasks opened, or nothing when the version moved.

Each path runs on the same proposed request in a transaction that is rolled back, and the rows are compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import RequestApproval, Task, WorkflowRequest
from tests.workflows.conftest import TODAY
from tests.workflows.factories import World
from workflows import repository
from workflows.repository import StepWrites
from workflows.service import propose_placement

Path = Callable[[AsyncSession, WorkflowRequest, int, dt.datetime, StepWrites], Awaitable[bool]]
NOW = dt.datetime(2026, 2, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 2, 9, 16, 59, tzinfo=dt.UTC)
Snapshot = tuple[bool, dict[str, Any], list[tuple[Any, ...]], list[tuple[Any, ...]]]


async def _proposed(world: World) -> int:
    proposed = await propose_placement(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("budi"),
        position_code="KASI_A",
        effective_date=dt.date(2026, 3, 1),
        today=TODAY,
    )
    assert proposed.ok and proposed.entity_id is not None, proposed.errors
    return proposed.entity_id


def _writes(world: World, approvers: list[str], tasks: int) -> StepWrites:
    rows = [
        {
            "request_id": 0,  # not read by either path for anything but the row's request (in turn)
            "step": "verified",
            "role": role,
            "unit_id": world.units["BID_A"].id if i == 0 else None,
            "assignee_user_id": None if i == 0 else world.nip("kabid_a"),
            "due_at": DUE if i == 0 else None,
            "opened_at": NOW,
        }
        for i, role in enumerate(["board_member", "supervisor"][:tasks])
    ]
    return StepWrites(step="verify", by="verifier-user", approvers=approvers, tasks=rows)


async def _stored_by(world: World, request_id: int, path: Path, writes: StepWrites, version_offset: int) -> Snapshot:
    """What ``path`` leaves in the tables for one step of ``request_id``, rolled back afterwards."""
    async with world.db.engine.connect() as conn:
        transaction = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False, autoflush=False)
        try:
            row = await repository.request_row(session, request_id, lock=True)
            assert row is not None
            request = row.request
            version = request.version + version_offset
            request.state, request.data = "verified", {**request.data, "note": "ok"}
            request.last_action, request.last_from_state, request.last_by = "verify", "proposed", writes.by
            tasks = [{**t, "request_id": request_id} for t in writes.tasks]
            stored = await path(
                session, request, version, NOW, StepWrites(writes.step, writes.by, writes.approvers, tasks)
            )
            saved = (
                await session.execute(select(WorkflowRequest.__table__).where(WorkflowRequest.id == request_id))
            ).one()
            approvals = (
                await session.execute(
                    select(
                        RequestApproval.person,
                        RequestApproval.step,
                        RequestApproval.user_id,
                        RequestApproval.approved_at,
                    )
                    .where(RequestApproval.request_id == request_id)
                    .order_by(RequestApproval.person)
                )
            ).all()
            task_rows = (
                await session.execute(
                    select(
                        Task.step,
                        Task.role,
                        Task.unit_id,
                        Task.assignee_user_id,
                        Task.due_at,
                        Task.opened_at,
                        Task.closed_at,
                        Task.closed_by,
                    )
                    .where(Task.request_id == request_id)
                    .order_by(Task.id)
                )
            ).all()
            return stored, dict(saved._mapping), [tuple(a) for a in approvals], [tuple(t) for t in task_rows]
        finally:
            await session.close()
            await transaction.rollback()


@pytest.mark.parametrize(
    ("approvers", "tasks", "version_offset"),
    [
        (["198001012005011001"], 1, 0),  # an approval step opening one task (verify)
        (["delegate-nip", "delegator-nip"], 2, 0),  # a delegate's approval counts for the delegator too; two owners
        ([], 0, 0),  # neither an approval nor a next task (a step into a final state)
        (["198001012005011001"], 1, -1),  # somebody moved the request first: nothing is stored
    ],
)
async def test_one_statement_stores_what_the_statements_in_turn_store(
    world: World, approvers: list[str], tasks: int, version_offset: int
) -> None:
    if world.db.is_sqlite:
        pytest.skip("SQLite has no data-modifying CTEs: it always stores in turn")
    request_id = await _proposed(world)
    writes = _writes(world, approvers, tasks)
    in_turn = await _stored_by(world, request_id, repository.store_step_in_turn, writes, version_offset)
    at_once = await _stored_by(world, request_id, repository.store_step_at_once, writes, version_offset)
    assert at_once == in_turn
    assert in_turn[0] is (version_offset == 0)
    assert len(in_turn[2]) == (len(approvers) if version_offset == 0 else 0)


async def test_an_approval_already_recorded_is_kept_by_one_statement_too(world: World) -> None:
    """A person's first approval step is the one kept (ON CONFLICT DO NOTHING), in both paths."""
    if world.db.is_sqlite:
        pytest.skip("SQLite has no data-modifying CTEs: it always stores in turn")
    request_id = await _proposed(world)
    async with world.db.write() as s:
        await repository.add_approvals(s, request_id, "propose", ["198001012005011001"], by="earlier", now=NOW)
    writes = _writes(world, ["198001012005011001"], 1)
    in_turn = await _stored_by(world, request_id, repository.store_step_in_turn, writes, 0)
    at_once = await _stored_by(world, request_id, repository.store_step_at_once, writes, 0)
    assert at_once == in_turn
    assert [a[1] for a in at_once[2]] == ["propose"]
