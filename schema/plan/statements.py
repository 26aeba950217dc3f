"""The row fetch's statements, built once per shape and kept, with the per-request values as parameters.

Building a statement (the scoping clauses of policies/read.py and policies/scope, joins, labels) and
computing its cache key cost about as much CPU as running it; SQLAlchemy memoizes the cache key on a
statement object, so a kept object costs neither again. A statement is kept under everything it
depends on besides its parameters: the selection's shape, the viewer or its read scope (frozen values: a changed
grant is another key) and the day where the statement embeds it, and the dialect (ids go as a
PostgreSQL array or an expanding IN). The ids, the cursor value and the page size are parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Integer, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from server.sql import any_of_param, is_postgres

MAX_KEPT = 1024
_kept: dict[Hashable, Any] = {}


def kept(key: Hashable, build: Callable[[], Any]) -> Any:
    """The statement kept under ``key``, built by ``build`` the first time (all dropped when full)."""
    found = _kept.get(key)
    if found is None:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        found = _kept[key] = build()
    return found


def ids_param(session: AsyncSession, column: Any) -> Any:
    """``column`` is one of the list given as the parameter ``ids`` (sorted and deduplicated by the caller)."""
    if is_postgres(session):
        return any_of_param(column, "ids")
    return column.in_(bindparam("ids", expanding=True))


def keyset(query: Any, key: Any, *, after: bool, descending: bool) -> Any:
    """``server.paging.ordered_after`` with the cursor's key as the parameter ``last`` and the row count as
    ``limit`` (the page size plus one)."""
    if after:
        last = bindparam("last", type_=key.type)
        query = query.where(key < last if descending else key > last)
    return query.order_by(key.desc() if descending else key.asc()).limit(bindparam("limit", type_=Integer))
