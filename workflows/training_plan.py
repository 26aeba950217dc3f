"""A unit's training plan for a year: who needs what, by when (issue 14 item 3).

For each active employee of the unit's subtree the viewer may read (the same scope as the shortfall), in
NIP order, the needs of ``year``, all due by 31 December of it:

1. hours: fewer verified JP in the year than ``training.annual_hours`` asks (20 JP);
2. priority areas: an area of ``training.priority_areas`` their post needs and they have not trained in;
3. competency gaps: a competency their post today requires (``workflows.competency``) that they hold
   below the required level on the earlier of today and 31 December.

People with no need are left out. A page is read in chunks of the NIP order until it is full, each chunk
in a constant number of statements (the shortfall columns, the posts, their requirements, the sources).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Assignment, Employee, Position, Unit
from server.registry.queries import held_on
from server.sql import one_of
from workflows import competency, priority_areas, staff_lists

CHUNK_MIN, CHUNK_MAX = 50, 500


@dataclass(frozen=True)
class Need:
    """One thing to train in: a competency (none: any development, for the hours), hours, why, by when."""

    competency: str | None
    name: str | None
    hours: int | None
    reason: str
    due_by: dt.date


@dataclass(frozen=True)
class PlanEntry:
    employee: Employee
    needs: tuple[Need, ...]


async def _posts(session: AsyncSession, ids: list[int], today: dt.date) -> dict[int, Position]:
    rows = await session.execute(
        select(Assignment.employee_id, Position)
        .join(Position, Position.id == Assignment.position_id)
        .where(one_of(session, Assignment.employee_id, ids), Assignment.kind == "definitive", held_on(today))
    )
    return {who: position for who, position in rows}


async def _plan_chunk(
    session: AsyncSession, rows: list[tuple[object, ...]], *, year: int, today: dt.date, known: competency.Catalogue
) -> list[PlanEntry]:
    required = staff_lists.annual_hours_rule(year)
    areas = priority_areas.of_year(year)
    due = dt.date(year, 12, 31)
    short = [staff_lists.shortfall_of(row, required.int("hours"), list(areas.areas)) for row in rows]
    people = [s.employee for s in short]
    posts = await _posts(session, [e.id for e in people], today)
    needs_of = await competency.requirements(session, list({p.id: p for p in posts.values()}.values()), known)
    has = await competency.held(session, people, min(today, due), known)
    out = []
    for s in short:
        needs: list[Need] = []
        if s.missing:
            reason = f"{s.hours} of {required.int('hours')} JP verified in {year} ({required.version_id})"
            needs.append(Need(None, None, s.missing, reason, due))
        for area in s.missing_areas:
            marker = known.name(areas.areas[area])
            reason = f"priority area of {year} for posts requiring {marker} ({areas.version})"
            needs.append(Need(area, known.name(area), areas.hours, reason, due))
        post = posts.get(s.employee.id)
        for req in needs_of.get(post.id, []) if post is not None else []:
            held = has[s.employee.id].get(req.code)
            if req.code in s.missing_areas or (held is not None and held.level >= req.level):
                continue
            now = f"level {held.level} ({held.source})" if held else "none"
            reason = f"{post.code if post else ''} requires {req.name} at level {req.level}; holds {now}"
            needs.append(Need(req.code, req.name, None, reason, due))
        if needs:
            out.append(PlanEntry(s.employee, tuple(needs)))
    return out


async def training_plan(
    session: AsyncSession,
    viewer: Viewer,
    *,
    year: int,
    unit: Unit,
    today: dt.date,
    first: int,
    after_nip: str | None,
) -> tuple[list[PlanEntry], bool]:
    """A page of the plan (people with a need, by NIP after ``after_nip``) and whether more follow."""
    query = staff_lists.training_query(viewer, year=year, unit=unit, today=today, short_only=False)
    known = await competency.catalogue(session)
    size = min(max(2 * (first + 1), CHUNK_MIN), CHUNK_MAX)
    found: list[PlanEntry] = []
    last = after_nip
    while True:
        chunk = query.where(Employee.nip > last) if last is not None else query
        rows = [tuple(r) for r in await session.execute(chunk.order_by(Employee.nip).limit(size))]
        found += await _plan_chunk(session, rows, year=year, today=today, known=known) if rows else []
        if len(found) > first:
            return found[:first], True
        if len(rows) < size:
            return found, False
        last = rows[-1][0].nip
