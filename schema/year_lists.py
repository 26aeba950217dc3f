"""The lists of a year's employees in NIP order (``trainingShortfall``, ``talentPool``), answered one way.

A resolver names the list (its page read and the query its total counts, in ``workflows``) and what a row
shows; the year is checked, the page read, the total counted only when ``totalCount`` is asked, the employees
prefetched for what is selected below them. A viewer who may read nobody gets an empty page, never an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select

from schema.connection import Connection, after_nip, connection, narrowed_unit, page_size
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import ListAsked, Prefetch, child
from schema.types.registry import Employee
from server import models
from server.paging import Page, count, encode_cursor


class _Listed(Protocol):
    @property
    def employee(self) -> models.Employee: ...


class _Shown(Protocol):
    @property
    def employee(self) -> Employee: ...


Found = TypeVar("Found", bound=_Listed)
Shown = TypeVar("Shown", bound=_Shown)


async def year_list(
    info: Info,
    year: int,
    unit_code: str | None,
    first: int | None,
    after: str | None,
    read: Callable[..., Awaitable[tuple[list[Found], bool]]],
    query: Callable[..., Select[Any]],
    shown: Callable[[Found], Shown],
) -> Connection[Shown]:
    """``read(session, viewer, year=, unit=, today=, first=, after_nip=)`` a page of the list, ``query(viewer, year=, unit=, today=)`` the whole of it, each row as ``shown``."""
    ctx = info.context
    if not 2000 <= year <= ctx.today.year:
        raise PublicError(f"year: {year} must be between 2000 and {ctx.today.year}")
    size, start, unit = page_size(first, ctx.settings), after_nip(after), await narrowed_unit(info, unit_code)
    asked = ListAsked.of(info)
    async with ctx.db.read() as s:
        found, more = await read(s, ctx.viewer, year=year, unit=unit, today=ctx.today, first=size, after_nip=start)
        whole = query(ctx.viewer, year=year, unit=unit, today=ctx.today)
        total = await count(s, whole) if asked.total else -1
        nodes = [shown(f) for f in found]
        await Prefetch(s, ctx).employees([n.employee for n in nodes], child(asked.nodes, "employee"))
    rows: Page[object] = Page(list(found), more, [encode_cursor(f.employee.nip) for f in found])
    return connection(nodes, rows, total=total, after=after)
