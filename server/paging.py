"""Keyset (cursor) pagination over any select, ordered by one unique column.

A cursor is the last row's key, base64url-encoded JSON, so it stays valid while rows are inserted or
deleted elsewhere: the next page starts strictly after it (no duplicates, no gaps), unlike OFFSET.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.ids import fits_column

T = TypeVar("T")


class CursorError(ValueError):
    """The cursor was not made by this server (or for another list)."""


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([value])).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        raise CursorError(f"after: {cursor!r} is not a cursor returned by this list") from None
    if not isinstance(decoded, list) or len(decoded) != 1:
        raise CursorError(f"after: {cursor!r} is not a cursor returned by this list")
    return decoded[0]


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    has_next: bool
    cursors: list[str]


async def keyset_page(
    session: AsyncSession,
    query: Select[T],
    key: InstrumentedAttribute[Any],
    *,
    first: int,
    after: str | None,
    descending: bool = False,
) -> Page[T]:
    """One page of ``query`` ordered by the unique ``key`` column, starting after ``after``."""
    if after is not None:
        last = decode_cursor(after)
        if not fits_column(last, key.type):
            raise CursorError(f"after: {after!r} is not a cursor returned by this list")
        query = query.where(key < last if descending else key > last)
    query = query.order_by(key.desc() if descending else key.asc()).limit(first + 1)
    rows = list((await session.execute(query)).scalars().all())
    has_next = len(rows) > first
    rows = rows[:first]
    return Page(rows, has_next, [encode_cursor(getattr(r, key.key)) for r in rows])


async def count(session: AsyncSession, query: Select[Any]) -> int:
    subquery = query.order_by(None).subquery()
    return int((await session.execute(select(func.count()).select_from(subquery))).scalar_one())
