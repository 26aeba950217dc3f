"""The row fetch's statements, built once per shape and kept, with the per-request values as parameters.

Building a statement (the scoping clauses of policies/read.py and policies/scope, joins, labels) and
computing its cache key cost about as much CPU as running it; SQLAlchemy memoizes the cache key on a
statement object, so a kept object costs neither again. A statement is kept under everything it
depends on besides its parameters: the selection's shape, the viewer or its read scope (frozen values: a changed
grant is another key) and the day where the statement embeds it, the page size (written into the SQL:
``server.paging.row_limit``) and the dialect (ids go as a PostgreSQL array or an expanding IN). The ids and
the cursor value are parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from server.paging import row_limit
from server.sql import any_of_param, is_postgres


def ids_param(session: AsyncSession, column: Any) -> Any:
    """``column`` is one of the list given as the parameter ``ids`` (sorted and deduplicated by the caller)."""
    if is_postgres(session):
        return any_of_param(column, "ids")
    return column.in_(bindparam("ids", expanding=True))


def keyset(query: Any, key: Any, *, after: bool, descending: bool, rows: int) -> Any:
    """``server.paging.ordered_after`` with the cursor's key as the parameter ``last`` and ``rows`` (the page
    size plus one) written into the SQL (``server.paging.row_limit``: a statement is kept per page size)."""
    if after:
        last = bindparam("last", type_=key.type)
        query = query.where(key < last if descending else key > last)
    return query.order_by(key.desc() if descending else key.asc()).limit(row_limit(rows))
