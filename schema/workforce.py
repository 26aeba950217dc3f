"""Workforce planning on the API: ``workforceNeeds`` and ``setPositionWorkload`` (API.md round 2, issue 14).

Resolvers only translate: the figures, their formula and who may read them are ``workflows.workforce``; entering
a workload is the command ``server.registry.commands.workloads.set_position_workload``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from policies.authority import Acting
from schema.connection import unit_named
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import Prefetch, child, root_selection, selected
from schema.types.errors import UserError, user_errors
from schema.types.registry import Position
from server.registry import queries as q
from server.registry import workloads as recorded
from server.registry.commands import workloads
from server.rules import RuleNotFound
from workflows import workforce


@strawberry.type
class WorkloadTask:
    task: str
    annual_volume: int
    norm_hours: float

    @classmethod
    def of(cls, row: recorded.WorkloadTask) -> WorkloadTask:
        return cls(task=row.task, annual_volume=row.annual_volume, norm_hours=row.norm_hours)


@strawberry.type
class PositionNeed:
    position: Position
    annual_hours: float
    needed_staff: float
    approved_quota: int
    filled: int
    gap: int
    tasks: list[WorkloadTask]


@strawberry.input
class WorkloadTaskInput:
    task: str
    annual_volume: int
    norm_hours: float


@strawberry.input
class SetPositionWorkloadInput:
    position_code: str
    tasks: list[WorkloadTaskInput]
    idempotency_key: str | None = None


@strawberry.type
class PositionWorkloadPayload:
    position: Position | None
    tasks: list[WorkloadTask]
    errors: list[UserError]


@strawberry.type
class WorkforceQuery:
    @strawberry.field
    async def workforce_needs(
        self,
        info: Info,
        unit_code: Annotated[str, strawberry.argument(description="The unit whose positions are listed.")],
        include_subunits: Annotated[
            bool, strawberry.argument(description="Also the positions of every unit beneath it (default true).")
        ] = True,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="The day of the approved quota, the holders and the rule (default today)."),
        ] = None,
    ) -> list[PositionNeed]:
        ctx = info.context
        day = as_of or ctx.today
        async with ctx.db.read() as s:
            unit = await unit_named(s, unit_code)
            try:
                needs = await workforce.workforce_needs(
                    s, ctx.viewer, unit=unit, include_subunits=include_subunits, day=day
                )
            except RuleNotFound:
                raise PublicError(f"asOf: no workload rule is in force on {day}; ask about a later day") from None
            wants_tasks = "tasks" in selected(root_selection(info))
            tasks = (
                await workforce.workload_tasks(s, ctx.viewer, unit=unit, include_subunits=include_subunits)
                if wants_tasks
                else {}
            )
            result = [
                PositionNeed(
                    position=Position.of(n.position),
                    annual_hours=n.annual_hours,
                    needed_staff=n.needed_staff,
                    approved_quota=n.approved_quota,
                    filled=n.filled,
                    gap=n.gap,
                    tasks=[WorkloadTask.of(t) for t in tasks.get(n.position.id, [])],
                )
                for n in needs
            ]
            await Prefetch(s, ctx).positions([r.position for r in result], child(root_selection(info), "position"))
        return result


@strawberry.type
class WorkforceMutation:
    @strawberry.mutation
    async def set_position_workload(self, info: Info, input: SetPositionWorkloadInput) -> PositionWorkloadPayload:
        ctx = info.context
        tasks = [recorded.WorkloadTask(t.task, t.annual_volume, t.norm_hours) for t in input.tasks]
        result = await workloads.set_position_workload(
            ctx.db,
            Acting(ctx.viewer),
            position_code=input.position_code,
            tasks=tasks,
            idempotency_key=input.idempotency_key,
            today=ctx.today,
        )
        if result.entity_id is None or result.errors:
            return PositionWorkloadPayload(position=None, tasks=[], errors=user_errors(result.errors))
        async with ctx.db.read() as s:
            position = Position.of((await q.positions_by_id(s, [result.entity_id]))[result.entity_id])
            await Prefetch(s, ctx).positions([position], child(root_selection(info), "position"))
            rows = await recorded.tasks_of(s, result.entity_id)
        return PositionWorkloadPayload(position=position, tasks=[WorkloadTask.of(r) for r in rows], errors=[])
