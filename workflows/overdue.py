"""Overdue tasks counted per unit (``Query.overdueTaskCounts``), scoped by the one request rule.

A task is overdue past its due time (``inbox.is_overdue``: the same comparison as ``myTasks``'s filter).
Counted are the open tasks of requests the viewer may read (``policies.read.request_clause``), one per
step and owner: the rows an escalation added for the unit above are the same task and are not counted
again. One statement (``repository.lists.overdue_by_unit``), grouped by the task's unit; ``unit_code`` narrows to that unit's subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Unit
from workflows.repository import lists


@dataclass(frozen=True)
class UnitOverdue:
    unit_code: str
    unit_name: str
    overdue: int
    escalated: int


async def overdue_counts(
    session: AsyncSession, viewer: Viewer, now: dt.datetime, within: Unit | None = None
) -> list[UnitOverdue]:
    """Per unit (by code), how many open tasks the viewer may read are overdue at ``now``, and how many of
    those were escalated; units without an overdue task are left out."""
    rows = await lists.overdue_by_unit(session, viewer, now, within)
    return [UnitOverdue(code, name, count, escalated) for code, name, count, escalated in rows]
