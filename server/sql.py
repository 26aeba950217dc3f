"""Membership tests that PostgreSQL prepares once.

``column IN (:v1, ..., :vN)`` is a different statement for every N: SQLAlchemy renders the list on every
call, and asyncpg prepares (and caches per connection) one statement per length. On PostgreSQL
``column = ANY(:values)`` with one array parameter is a single statement for any number of values and
costs ~0.1 ms less CPU per 50-id lookup (measured on the by-id loaders of a task page). SQLite has no
arrays and keeps ``IN``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeEngine


@functools.cache
def _array_of(item: TypeEngine[Any]) -> ARRAY[Any]:
    return ARRAY(item)


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def any_of_param(column: ColumnElement[Any] | QueryableAttribute[Any], name: str) -> ColumnElement[bool]:
    """For statements built once: ``column = ANY(:name)`` (PostgreSQL only; pass a list as ``name``)."""
    return column == any_(bindparam(name, type_=_array_of(column.type)))


def one_of(
    session: AsyncSession, column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (deduplicated and sorted, so equal sets give equal statements)."""
    wanted = sorted(set(values))
    if is_postgres(session):
        return column == any_(bindparam(None, wanted, type_=_array_of(column.type)))
    return column.in_(wanted)


def where_given(*pairs: tuple[ColumnElement[Any] | QueryableAttribute[Any], Any]) -> list[ColumnElement[bool]]:
    """``column == value`` for every pair whose value was given (not None): a list filter's equality fields,
    the one way every list (requests, tasks, the audit log) turns its filter into SQL."""
    return [column == value for column, value in pairs if value is not None]
