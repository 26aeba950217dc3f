"""Root fields of workforce planning: ``vacancyCandidates`` (API.md round 2) and ``trainingPlan``.

Resolvers only translate: who may see whom, the guards, fit and the needs are in ``workflows.vacancy``,
``workflows.competency`` and ``workflows.training_plan``. A viewer outside the scope gets an empty page.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.connection import Connection, after_nip, connection, page_size, unit_named
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import Prefetch, child, root_selection
from schema.types.registry import Employee
from server.models import Unit
from server.paging import CursorError, Page, decode_cursor, encode_cursor
from server.registry import queries as q
from workflows import training_plan, vacancy


@strawberry.type(
    description="A civil servant who would pass every placement guard for the vacancy, and how well "
    "their competencies fit it. It advises; the guards decide."
)
class Candidate:
    employee: Employee = strawberry.field(
        description="The candidate (listed only when the viewer may read their file)."
    )
    fit: float = strawberry.field(
        description="The share of the position's required competency levels the candidate meets, weighted by "
        "level: 0 (none) to 1 (all)."
    )
    reasons: list[str] = strawberry.field(
        description="One sentence per required competency, highest level first: what the candidate has and "
        'from where ("has E-Government (training 2025, 24 JP)"), or "lacks ...".'
    )


@strawberry.type(description="One thing an employee should train in this year, why, and by when.")
class TrainingNeed:
    competency: str | None = strawberry.field(
        description="The competency's code; null for development hours in any area."
    )
    name: str | None = strawberry.field(description="The competency's name; null for hours in any area.")
    hours: int | None = strawberry.field(
        description="Hours (JP) still needed; null for a competency to raise to its required level."
    )
    reason: str = strawberry.field(description="Why: the rule or the post's requirement, with its values.")
    due_by: dt.date = strawberry.field(description="The day it is due: 31 December of the plan's year.")


@strawberry.type(description="An employee of the unit with at least one training need in the year.")
class TrainingPlanEntry:
    employee: Employee = strawberry.field(description="The civil servant (a file or a card, as the read rule allows).")
    needs: list[TrainingNeed] = strawberry.field(
        description="Hours first, then the year's priority areas, then competencies the post requires."
    )


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        description="Who could fill the vacancy of `positionCode`: everyone a placement into it would pass every "
        "guard for today, best competency fit first (ties: higher rank, longer in rank, NIP). For BKD, and for a "
        "unit head or unit HR when the position lies in their subtree; only people whose file the viewer may "
        "read are listed. It advises; the guards decide."
    )
    async def vacancy_candidates(
        self, info: Info, position_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[Candidate]:
        ctx = info.context
        size = page_size(first, ctx.settings)
        try:
            start = decode_cursor(after) if after is not None else None
        except CursorError as exc:
            raise PublicError(str(exc)) from None
        if start is not None and not isinstance(start, str):
            raise PublicError(f"after: {after!r} is not a cursor of this list")
        async with ctx.db.read() as s:
            position = await q.position_by_code(s, position_code)
            unit = await s.get(Unit, position.unit_id) if position is not None else None
            if position is None or unit is None:
                raise PublicError(f"positionCode: no position has code {position_code!r}")
            every = await vacancy.vacancy_candidates(s, ctx.viewer, position, unit, today=ctx.today)
            found, more = vacancy.page(every, size, start)
            nodes = [Candidate(employee=Employee.of(c.employee), fit=c.fit, reasons=list(c.reasons)) for c in found]
            selection = child(child(child(root_selection(info), "edges"), "node"), "employee")
            await Prefetch(s, ctx).employees([n.employee for n in nodes], selection)
        page: Page[object] = Page(list(found), more, [encode_cursor(c.key) for c in found])
        return connection(nodes, page, total=len(every), after=after)

    @strawberry.field(
        description="The training plan of `unitCode`'s subtree for `year`: each active employee the viewer may read "
        "who needs training, and what by when (hours to the 20 JP, the year's priority areas, competencies their "
        "post requires), in NIP order."
    )
    async def training_plan(
        self, info: Info, year: int, unit_code: str, first: int | None = None, after: str | None = None
    ) -> Connection[TrainingPlanEntry]:
        ctx = info.context
        if not 2000 <= year <= ctx.today.year + 1:
            raise PublicError(f"year: {year} must be between 2000 and {ctx.today.year + 1}")
        size, start = page_size(first, ctx.settings), after_nip(after)
        async with ctx.db.read() as s:
            unit = await unit_named(s, unit_code)
            found, more = await training_plan.training_plan(
                s, ctx.viewer, year=year, unit=unit, today=ctx.today, first=size, after_nip=start
            )
            nodes = [
                TrainingPlanEntry(
                    employee=Employee.of(f.employee),
                    needs=[
                        TrainingNeed(
                            competency=n.competency, name=n.name, hours=n.hours, reason=n.reason, due_by=n.due_by
                        )
                        for n in f.needs
                    ],
                )
                for f in found
            ]
            selection = child(child(child(root_selection(info), "edges"), "node"), "employee")
            await Prefetch(s, ctx).employees([n.employee for n in nodes], selection)
        page: Page[object] = Page(list(found), more, [encode_cursor(f.employee.nip) for f in found])
        return connection(nodes, page, total=-1, after=after)
