"""Root field ``talentPool`` (API.md round 2): the nine-box placements of a year, a page at a time.

Resolvers only translate: the pool, its grid and who may see whom are in ``workflows.talent_pool``. Like
every list, a viewer who may read nobody (an anonymous client) gets an empty page, never an error.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.connection import Connection
from schema.context import Info
from schema.types.registry import Employee
from schema.year_lists import year_list
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
        return await year_list(
            info, year, unit_code, first, after, talent_pool.talent_pool, talent_pool.pool_query, _talent
        )


def _talent(found: talent_pool.Talent) -> Talent:
    placement = found.placement
    return Talent(
        employee=Employee.of(found.employee),
        performance=placement.performance,
        potential=placement.potential,
        box=placement.box,
        predicate=placement.predicate,
        assessed_on=placement.assessed_on,
    )
