"""A position's workload analysis (ABK) as recorded: its tasks, and the rule of a year's effective hours.

``setPositionWorkload`` (``server.registry.commands.workloads``) writes the tasks and answers them from here;
``workflows.workforce`` reads them into the workforce needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import PositionWorkload
from server.rules import RuleVersion, rules_for

WORKLOAD_RULE = "workload.effective_hours"


def effective_hours_rule(day: dt.date) -> RuleVersion:
    return rules_for(WORKLOAD_RULE, day)


@dataclass(frozen=True)
class WorkloadTask:
    """One row of the analysis: ``annual_volume`` outputs a year, ``norm_hours`` hours each."""

    task: str
    annual_volume: int
    norm_hours: float

    def fields(self) -> dict[str, Any]:
        return {"task": self.task, "annualVolume": self.annual_volume, "normHours": self.norm_hours}


async def tasks_of(session: AsyncSession, position_id: int) -> list[WorkloadTask]:
    """One position's tasks, by name (``setPositionWorkload``'s answer and its audit event)."""
    query = (
        select(PositionWorkload.task, PositionWorkload.annual_volume, PositionWorkload.norm_hours)
        .where(PositionWorkload.position_id == position_id)
        .order_by(PositionWorkload.task)
    )
    return [WorkloadTask(task, volume, norm) for task, volume, norm in await session.execute(query)]
