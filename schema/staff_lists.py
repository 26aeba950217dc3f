"""Root fields of the agency's working lists: ``trainingShortfall`` and ``dueForRotation`` (API.md round 2).

Resolvers only translate: the lists, their rules and who may see whom are in ``workflows.staff_lists``.
Like every list, a viewer who may read nobody gets an empty page, never an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from sqlalchemy import Select

from schema.connection import Connection, after_nip, connection, narrowed_unit, page_size
from schema.context import Info
from schema.prefetch import Prefetch, child, root_selection, selected
from schema.types.registry import Employee, Position
from schema.year_lists import year_list
from server.paging import Page, count, encode_cursor
from workflows import staff_lists


@strawberry.type(description="An employee below the year's minimum of training hours (JP).")
class Shortfall:
    employee: Employee
    hours: int = strawberry.field(description="Verified training hours in the year.")
    missing: int = strawberry.field(description="Hours still missing to the minimum of the rule in force.")
    missing_areas: list[str] = strawberry.field(
        default_factory=list,
        description="The year's priority areas (training.priority_areas) the employee's post needs and they have "
        "not trained in, as competency codes; a listed employee may have the hours and still miss an area.",
    )


@strawberry.type(description="An employee who has held their post for the rotation years or more.")
class RotationDue:
    employee: Employee
    position: Position
    since: dt.date = strawberry.field(description="The start (TMT) of the current post.")
    years: int = strawberry.field(description="Full years in the post today.")


def _wants_total(info: Info) -> bool:
    return "totalCount" in selected(root_selection(info))


@strawberry.type
class StaffListsQuery:
    @strawberry.field(
        description="Active employees below the year's minimum of training hours (20 JP, the rule in force on "
        "31 December of the year) or missing a priority area of the year their post needs (`missingAreas`), "
        "within `unitCode`'s subtree if given, in NIP order. Only people the viewer may read are listed."
    )
    async def training_shortfall(
        self, info: Info, year: int, unit_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Shortfall]:
        return await year_list(
            info, year, unit_code, first, after, staff_lists.training_shortfall, staff_lists.shortfall_query, _shortfall
        )

    @strawberry.field(
        description="Active employees who have held their current post for the rotation years or more (5, the "
        "rule in force today), within `unitCode`'s subtree if given, in NIP order. Only people the viewer may "
        "read are listed."
    )
    async def due_for_rotation(
        self, info: Info, unit_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[RotationDue]:
        ctx = info.context
        size, start, unit = page_size(first, ctx.settings), after_nip(after), await narrowed_unit(info, unit_code)
        async with ctx.db.read() as s:
            found, more = await staff_lists.due_for_rotation(
                s, ctx.viewer, unit=unit, today=ctx.today, first=size, after_nip=start
            )
            query = staff_lists.rotation_query(ctx.viewer, unit=unit, today=ctx.today)
            total = await count(s, cast(Select[Any], query)) if _wants_total(info) else -1
            nodes = [
                RotationDue(
                    employee=Employee.of(f.employee), position=Position.of(f.position), since=f.since, years=f.years
                )
                for f in found
            ]
            prefetch = Prefetch(s, ctx)
            node = child(child(root_selection(info), "edges"), "node")
            await prefetch.employees([n.employee for n in nodes], child(node, "employee"))
            await prefetch.positions([n.position for n in nodes], child(node, "position"))
        page: Page[object] = Page(list(found), more, [encode_cursor(f.employee.nip) for f in found])
        return connection(nodes, page, total=total, after=after)


def _shortfall(found: staff_lists.Shortfall) -> Shortfall:
    return Shortfall(
        employee=Employee.of(found.employee),
        hours=found.hours,
        missing=found.missing,
        missing_areas=list(found.missing_areas),
    )
