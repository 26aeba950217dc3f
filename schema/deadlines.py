"""``overdueTaskCounts``: overdue tasks per unit, scoped by the request rule (workflows/overdue.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.connection import unit_named
from schema.context import Info
from workflows import overdue


@strawberry.type
class OverdueTaskCount:
    unit_code: str
    unit_name: str
    overdue: int
    escalated: int


@strawberry.type
class DeadlinesQuery:
    @strawberry.field
    async def overdue_task_counts(
        self,
        info: Info,
        unit_code: Annotated[
            str | None,
            strawberry.argument(
                description="Count only this unit and the units under it (an unknown code is an error)."
            ),
        ] = None,
    ) -> list[OverdueTaskCount]:
        ctx = info.context
        async with ctx.db.read() as s:
            within = await unit_named(s, unit_code)
            counts = await overdue.overdue_counts(s, ctx.viewer, ctx.now, within)
        return [
            OverdueTaskCount(unit_code=c.unit_code, unit_name=c.unit_name, overdue=c.overdue, escalated=c.escalated)
            for c in counts
        ]
