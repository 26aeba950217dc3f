"""The queries the live inbox runs for each committed change (schema/subscriptions.py): which of a request's
open tasks a viewer may now act on, by the very rule ``myTasks`` lists them with (``queries.tasks_query``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Task
from workflows.queries import tasks_query


async def latest_task_id(session: AsyncSession) -> int:
    """The newest task id committed so far: a subscription announces only tasks opened after it (higher ids)."""
    return int((await session.execute(select(func.coalesce(func.max(Task.id), 0)))).scalar_one())


async def open_tasks_for(session: AsyncSession, viewer: Viewer, request_id: int, *, after_id: int) -> list[Task]:
    """The open tasks of ``request_id`` opened after task ``after_id`` that ``myTasks`` would list for ``viewer``."""
    query = tasks_query(viewer).where(Task.request_id == request_id, Task.id > after_id).order_by(Task.id)
    return list((await session.execute(query)).scalars())
