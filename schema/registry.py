"""Root fields of the registry: viewer, units, positions, employees (API.md). Resolvers only translate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import Selection

from policies import read
from schema.connection import Connection, connection, page_size, unit_named
from schema.context import Context, Info
from schema.errors import PublicError
from schema.prefetch import ListAsked, Prefetch, children, root_selection, selected
from schema.types.access import RoleGrant
from schema.types.registry import Employee, Position, Unit
from schema.types.vocabulary import PositionType, RankCode
from server import models
from server.domain.nip import normalize
from server.domain.positions import POSITION_TYPES
from server.domain.ranks import is_rank
from server.paging import CursorError, Page, count, keyset_page
from server.registry import queries as q

MAX_SEARCH_CHARS = 100


def _search(text: str | None) -> str | None:
    """A search string of a sane length: a name or code is short, and SQLite refuses a LIKE pattern over
    50,000 bytes (which used to read as "the database is unreachable")."""
    if text is not None and len(text) > MAX_SEARCH_CHARS:
        raise PublicError(
            f"filter.search: {len(text)} characters is too long; search with at most {MAX_SEARCH_CHARS} characters"
        )
    return text


def _one_of(text: str | None, chosen: PositionType | RankCode | None, name: str, enum_name: str) -> str | None:
    """A filter value given as a string or as its enum sibling (not two different ones)."""
    if chosen is None:
        return text
    if text is not None and text != chosen.value:
        raise PublicError(f"{name} {text!r} and {enum_name} {chosen.name} disagree; give one of them")
    return str(chosen.value)


@strawberry.input
class PositionFilter:
    unit_code: str | None = None
    include_subunits: bool | None = None
    type: str | None = None
    vacant_only: bool | None = None
    search: str | None = None
    position_type: PositionType | None = strawberry.field(default=None, description="`type` as an enum.")


@strawberry.input
class EmployeeFilter:
    unit_code: str | None = None
    include_subunits: bool | None = None
    rank: str | None = None
    search: str | None = None
    rank_code: RankCode | None = strawberry.field(default=None, description="`rank` as an enum (III/a is III_A).")


@strawberry.type
class Viewer:
    user_id: str | None
    name: str | None
    roles: list[RoleGrant]
    employee_obj: strawberry.Private[Employee | None] = None

    @strawberry.field
    def employee(self) -> Employee | None:
        return self.employee_obj


async def _page_of(
    session: AsyncSession, query: Any, key: Any, first: int | None, after: str | None, ctx: Context, wants_total: bool
) -> tuple[Page[Any], int]:
    size = page_size(first, ctx.settings)
    try:
        page: Page[Any] = await keyset_page(session, query, key, first=size, after=after)
    except CursorError as exc:
        raise PublicError(str(exc)) from None
    total = await count(session, query) if wants_total else -1
    return page, total


async def positions_connection(
    ctx: Context, filter: PositionFilter | None, first: int | None, after: str | None, asked: ListAsked
) -> Connection[Position]:
    """A page of ``positions`` with what ``asked`` asks prefetched (also the compiled path's fetch)."""
    flt = filter or PositionFilter()
    flt.type = _one_of(flt.type, flt.position_type, "filter.type", "filter.positionType")
    if flt.type is not None and flt.type not in POSITION_TYPES:
        raise PublicError(f"filter.type: {flt.type!r} is not a position type; use one of {', '.join(POSITION_TYPES)}")
    async with ctx.db.read() as s:
        unit = await unit_named(s, flt.unit_code, "filter.unitCode")
        query = q.positions_query(
            q.PositionFilter(unit, bool(flt.include_subunits), flt.type, bool(flt.vacant_only), _search(flt.search)),
            day=ctx.today,
        )
        page, total = await _page_of(s, query, models.Position.code, first, after, ctx, asked.total)
        nodes = [Position.of(r) for r in page.rows]
        await Prefetch(s, ctx).positions(nodes, asked.nodes)
        return connection(nodes, page, total=total, after=after)


async def units_connection(
    ctx: Context, parent_code: str | None, first: int | None, after: str | None, asked: ListAsked
) -> Connection[Unit]:
    """A page of ``units`` (top-level ones without ``parentCode``), prefetched for what ``asked`` asks."""
    async with ctx.db.read() as s:
        parent = await unit_named(s, parent_code, "parentCode")
        query = q.units_query(parent, top_level=parent_code is None)
        page, total = await _page_of(s, query, models.Unit.code, first, after, ctx, asked.total)
        nodes = [Unit.of(r) for r in page.rows]
        await Prefetch(s, ctx).units(nodes, asked.nodes)
        return connection(nodes, page, total=total, after=after)


async def employees_connection(
    ctx: Context, filter: EmployeeFilter | None, first: int | None, after: str | None, asked: ListAsked
) -> Connection[Employee]:
    """A page of ``employees``: files the viewer may read (scoped in SQL), prefetched for what ``asked`` asks."""
    flt = filter or EmployeeFilter()
    flt.rank = _one_of(flt.rank, flt.rank_code, "filter.rank", "filter.rankCode")
    if flt.rank is not None and not is_rank(flt.rank):
        raise PublicError(f"filter.rank: {flt.rank!r} is not a rank code; use I/a .. IV/e")
    async with ctx.db.read() as s:
        unit = await unit_named(s, flt.unit_code, "filter.unitCode")
        query = q.employees_query(
            q.EmployeeFilter(unit, bool(flt.include_subunits), flt.rank, _search(flt.search)),
            day=ctx.today,
            visible=ctx.people_visible,
            self_id=ctx.viewer.employee_id,
        )
        page, total = await _page_of(s, query, models.Employee.nip, first, after, ctx, asked.total)
        nodes = [Employee.file_of(r) for r in page.rows]  # the list is scoped to files the viewer may read
        await Prefetch(s, ctx).employees(nodes, asked.nodes)
        return connection(nodes, page, total=total, after=after)


Row = TypeVar("Row")
Node = TypeVar("Node")


async def _by_code(
    info: Info,
    code: str,
    read: Callable[[AsyncSession, str], Awaitable[Row | None]],
    of: Callable[[Row], Node],
    prefetch: Callable[[Prefetch, list[Node], list[Selection]], Awaitable[None]],
) -> Node | None:
    """One unit or position by its code (None: no such code), with what the query selected below it prefetched."""
    async with info.context.db.read() as s:
        row = await read(s, code)
        if row is None:
            return None
        node = of(row)
        await prefetch(Prefetch(s, info.context), [node], root_selection(info))
        return node


@strawberry.type
class RegistryQuery:
    @strawberry.field
    async def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        v = ctx.viewer
        roles = [
            RoleGrant(
                role=g.role,
                unit_code=g.unit_code,
                user_id=v.user_id,
                valid_from=g.valid_from,
                valid_to=g.valid_to,
                acting=g.acting,
                id=strawberry.ID(str(g.id)) if g.id is not None else None,
                delegated_by=g.granted_by if g.acting == "delegation" else None,
            )
            for g in v.grants
        ]
        employee: Employee | None = None
        wanted = selected(root_selection(info)).get("employee")
        if v.employee_id is not None and wanted:  # `{ viewer { userId } }` reads nothing more
            async with ctx.db.read() as s:
                rows = await q.employees_by_id(s, [v.employee_id])
                employee = Employee.file_of(rows[v.employee_id])
                await Prefetch(s, ctx).employees([employee], children(wanted))
        return Viewer(user_id=v.user_id, name=v.name, roles=roles, employee_obj=employee)

    @strawberry.field
    async def unit(self, info: Info, code: str) -> Unit | None:
        return await _by_code(info, code, q.unit_by_code, Unit.of, Prefetch.units)

    @strawberry.field
    async def units(
        self, info: Info, parent_code: str | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Unit]:
        return await units_connection(info.context, parent_code, first, after, ListAsked.of(info))

    @strawberry.field
    async def position(self, info: Info, code: str) -> Position | None:
        return await _by_code(info, code, q.position_by_code, Position.of, Prefetch.positions)

    @strawberry.field
    async def positions(
        self, info: Info, filter: PositionFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Position]:
        return await positions_connection(info.context, filter, first, after, ListAsked.of(info))

    @strawberry.field
    async def employee(self, info: Info, nip: str) -> Employee | None:
        ctx = info.context
        async with ctx.db.read() as s:
            row = await q.employee_by_nip(s, normalize(nip))
            if row is None or row.id not in await read.readable_files(s, ctx.viewer, ctx.today, [row.id]):
                return None  # a file the viewer may not read does not exist for them (no card by NIP)
            employee = Employee.file_of(row)
            await Prefetch(s, ctx).employees([employee], root_selection(info))
            return employee

    @strawberry.field
    async def employees(
        self, info: Info, filter: EmployeeFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Employee]:
        return await employees_connection(info.context, filter, first, after, ListAsked.of(info))
