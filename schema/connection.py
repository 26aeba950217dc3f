"""Relay connections backed by keyset pagination (server/paging.py), with a capped page size."""

from __future__ import annotations

from typing import Generic, TypeVar, overload

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from schema.context import Info
from schema.errors import PublicError
from server.models import Unit
from server.paging import CursorError, Page, decode_cursor
from server.registry import queries as q
from server.settings import Settings

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def page_size(first: int | None, settings: Settings) -> int:
    """``first`` checked against the cap; a clear error rather than a silently shorter page."""
    if first is None:
        return settings.default_page_size
    if first < 0 or first > settings.max_page_size:
        raise PublicError(f"first: {first} is out of range; ask for 0 to {settings.max_page_size} items per page")
    return first


def connection(nodes: list[T], page: Page[object], *, total: int, after: str | None) -> Connection[T]:
    edges = [Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=after is not None,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return Connection(edges=edges, page_info=info, total_count=total)


def after_nip(after: str | None) -> str | None:
    """The NIP an ``after`` cursor of a NIP-ordered list stands for; a sentence when it is not one."""
    if after is None:
        return None
    try:
        value = decode_cursor(after)
    except CursorError as exc:
        raise PublicError(str(exc)) from None
    if not isinstance(value, str):
        raise PublicError(f"after: {after!r} is not a cursor returned by this list")
    return value


async def narrowed_unit(info: Info, code: str | None) -> Unit | None:
    """The unit a list is narrowed to by its ``unitCode`` argument (None: not narrowed); unknown, a public error."""
    if code is None:
        return None
    async with info.context.db.read() as s:
        return await unit_named(s, code)


@overload
async def unit_named(session: AsyncSession, code: str, field: str = "unitCode") -> Unit: ...
@overload
async def unit_named(session: AsyncSession, code: str | None, field: str = "unitCode") -> Unit | None: ...
async def unit_named(session: AsyncSession, code: str | None, field: str = "unitCode") -> Unit | None:
    """The unit an argument ``field`` names by its code (None when not given); an unknown code, a public error."""
    if code is None:
        return None
    unit = await q.unit_by_code(session, code)
    if unit is None:
        raise PublicError(f"{field}: no unit has code {code!r}")
    return unit
