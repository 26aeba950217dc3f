"""Root field ``talentPool`` (API.md round 2): the nine-box placements of a year, a page at a time.

Resolvers only translate: the pool, its grid and who may see whom are in ``workflows.talent_pool``. Like
every list, a viewer who may read nobody (an anonymous client) gets an empty page, never an error.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.connection import Connection, after_nip, connection, narrowed_unit, page_size
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import Prefetch, child, root_selection, selected
from schema.types.registry import Employee
from server.paging import Page, count, encode_cursor
from workflows import talent_pool


@strawberry.type
class Talent:
    employee: Employee
    performance: str | None
    potential: str | None
    box: int | None
    predicate: str | None
    assessed_on: dt.date | None


@strawberry.type
class TalentQuery:
    @strawberry.field
    async def talent_pool(
        self, info: Info, year: int, unit_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Talent]:
        ctx = info.context
        if not 2000 <= year <= ctx.today.year:
            raise PublicError(f"year: {year} must be between 2000 and {ctx.today.year}")
        size, start, unit = page_size(first, ctx.settings), after_nip(after), await narrowed_unit(info, unit_code)
        async with ctx.db.read() as s:
            found, more = await talent_pool.talent_pool(
                s, ctx.viewer, year=year, unit=unit, today=ctx.today, first=size, after_nip=start
            )
            wants_total = "totalCount" in selected(root_selection(info))
            query = talent_pool.pool_query(ctx.viewer, year=year, unit=unit, today=ctx.today)
            total = await count(s, query) if wants_total else -1
            nodes = [
                Talent(
                    employee=Employee.of(t.employee),
                    performance=t.placement.performance,
                    potential=t.placement.potential,
                    box=t.placement.box,
                    predicate=t.placement.predicate,
                    assessed_on=t.placement.assessed_on,
                )
                for t in found
            ]
            selection = child(child(child(root_selection(info), "edges"), "node"), "employee")
            await Prefetch(s, ctx).employees([n.employee for n in nodes], selection)
        page: Page[object] = Page(list(found), more, [encode_cursor(t.employee.nip) for t in found])
        return connection(nodes, page, total=total, after=after)
