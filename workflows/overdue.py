"""Overdue tasks counted per unit (``Query.overdueTaskCounts``), scoped by the one request rule.

A task is overdue past its due time (``inbox.is_overdue``: the same comparison as ``myTasks``'s filter).
Counted are the open tasks of requests the viewer may read (``policies.read.request_clause``), one per
step and owner: the rows an escalation added for the unit above are the same task and are not counted
again. One statement, grouped by the task's unit; ``unit_code`` narrows to that unit's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies import read
from policies.viewer import Viewer
from server.models import Task, Unit, WorkflowRequest


@dataclass(frozen=True)
class UnitOverdue:
    unit_code: str
    unit_name: str
    overdue: int
    escalated: int


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


async def overdue_counts(
    session: AsyncSession, viewer: Viewer, now: dt.datetime, within: Unit | None = None
) -> list[UnitOverdue]:
    """Per unit (by code), how many open tasks the viewer may read are overdue at ``now``, and how many of
    those were escalated; units without an overdue task are left out."""
    readable = select(WorkflowRequest.id).where(read.request_clause(viewer))
    query = (
        select(
            Unit.code,
            Unit.name,
            func.count(Task.id),
            func.count(Task.escalated_at),
        )
        .join(Unit, Unit.id == Task.unit_id)
        .where(
            Task.closed_at.is_(None),
            Task.escalated_from.is_(None),
            Task.due_at.is_not(None),
            Task.due_at < _utc(now),
            Task.request_id.in_(readable),
        )
        .group_by(Unit.code, Unit.name)
        .order_by(Unit.code)
    )
    if within is not None:
        query = query.where(Unit.path.startswith(within.path, autoescape=True))
    rows = (await session.execute(query)).all()
    return [UnitOverdue(code, name, int(count), int(escalated)) for code, name, count, escalated in rows]
