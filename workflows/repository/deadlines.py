"""The statements of deadlines that act (``workflows.escalation``): the overdue tasks to remind or escalate,
their marks, set by conditional updates so that two ticks never mark one task twice, and the rows an
escalation adds for the holders above."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Task, WorkflowRequest


async def overdue_open_tasks(session: AsyncSession, before: dt.datetime) -> Sequence[Any]:
    """Every open task due before ``before`` not yet escalated (escalations' own rows left out), with its
    request's definition version, oldest first: one statement."""
    return (
        await session.execute(
            select(
                Task.id,
                Task.request_id,
                Task.step,
                Task.role,
                Task.unit_id,
                Task.due_at,
                Task.reminded_at,
                WorkflowRequest.definition_version,
            )
            .join(WorkflowRequest, WorkflowRequest.id == Task.request_id)
            .where(
                Task.closed_at.is_(None),
                Task.escalated_from.is_(None),
                Task.escalated_at.is_(None),
                Task.due_at.is_not(None),
                Task.due_at < before,
            )
            .order_by(Task.id)
        )
    ).all()


async def _mark(session: AsyncSession, task_id: int, mark: str, stamp: dt.datetime) -> bool:
    """Set the open task's ``mark`` column unless it is set (False: another tick did, or the task closed)."""
    column = getattr(Task, mark)
    result = await session.execute(
        update(Task).where(Task.id == task_id, column.is_(None), Task.closed_at.is_(None)).values({mark: stamp})
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


async def mark_reminded(session: AsyncSession, task_id: int, stamp: dt.datetime) -> bool:
    return await _mark(session, task_id, "reminded_at", stamp)


async def mark_escalated(session: AsyncSession, task_id: int, stamp: dt.datetime) -> bool:
    return await _mark(session, task_id, "escalated_at", stamp)


async def add_escalated_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The named assignee rows an escalation adds to a task (``escalated_from`` names it)."""
    if rows:
        await session.execute(insert(Task), list(rows))
