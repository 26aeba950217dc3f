"""A small world per test, and a one-line way to act as somebody on a date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from server.commands import CommandResult
from server.db import Database
from server.models import AuditEvent, Task, WorkflowRequest
from tests.workflows.factories import World, build_world
from workflows.service import act

TODAY = dt.date(2026, 2, 2)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def step(w: World, who: str, request_id: int, action: str, *, today: dt.date = TODAY, **kw: Any) -> CommandResult:
    viewer = await w.viewer(who, today)
    return await act(w.db, viewer, request_id=request_id, action=action, today=today, **kw)


async def request_row(db: Database, request_id: int) -> WorkflowRequest:
    async with db.read() as s:
        row = await s.get(WorkflowRequest, request_id)
        assert row is not None
        return row


async def audit_actions(db: Database, request_id: int) -> list[str]:
    async with db.read() as s:
        rows = await s.execute(
            select(AuditEvent.action).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq)
        )
        return [r[0] for r in rows]


async def open_tasks(db: Database, request_id: int) -> list[Task]:
    async with db.read() as s:
        rows = await s.execute(select(Task).where(Task.request_id == request_id, Task.closed_at.is_(None)))
        return list(rows.scalars())


def codes(result: CommandResult) -> list[str]:
    return [e.code.value for e in result.errors]
