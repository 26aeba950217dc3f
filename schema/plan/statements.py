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

from collections import namedtuple
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.paging import row_limit
from server.sql import any_of_param, is_postgres
from server.statements_seen import sent_to_driver

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


@dataclass(frozen=True)
class DriverForm:
    """A kept statement compiled once for asyncpg: its SQL, its parameters in ``$n`` order, the values
    bound when it was built, and the row class its records become (attribute access, ``_fields``,
    ``_asdict()``: what the rows' readers use of SQLAlchemy's ``Row``)."""

    sql: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]
    convert: Mapping[str, Callable[[Any], Any]]  # a per-request parameter's type conversion (an array's list)
    row: Any

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        convert, fixed = self.convert, self.fixed
        return [(convert[n](params[n]) if n in convert else params[n]) if n in params else fixed[n] for n in self.names]


_forms: dict[int, tuple[Any, DriverForm | None]] = {}


def driver_form(statement: Any, dialect: Dialect) -> DriverForm | None:
    """The statement's asyncpg form, or None where SQLAlchemy must run it: a type that converts a value
    in Python (a result processor, or a bind processor other than a per-request array's; asyncpg's codecs,
    which SQLAlchemy's dialect sets up on every connection, do the rest, JSON included), an IN list given
    per request (PostgreSQL's are arrays: ``ids_param``), or a column key that cannot be a row attribute.
    Kept per statement object, as long as ``_kept`` keeps the statement (compiled again if it comes back).
    """
    found = _forms.get(id(statement))
    if found is not None and found[0] is statement:
        return found[1]
    form = _driver_form(statement, dialect)
    if len(_forms) >= MAX_KEPT:
        _forms.clear()
    _forms[id(statement)] = (statement, form)
    return form


def _driver_form(statement: Any, dialect: Dialect) -> DriverForm | None:
    compiled = statement.compile(dialect=dialect)
    required = {bind.key for bind in compiled.binds.values() if bind.required}
    convert: dict[str, Callable[[Any], Any]] = {}
    for bind in compiled.binds.values():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.required and not bind.expanding and process is not None:
            convert[bind.key] = process
        elif (bind.expanding and bind.required) or process is not None:
            return None
    for column in statement.selected_columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            return None
    try:
        row = namedtuple("Row", list(statement.selected_columns.keys()))  # type: ignore[misc]
    except ValueError:
        return None
    # the IN lists of the scoping clauses (values fixed when the statement was built) expanded once
    expanded = compiled.construct_expanded_state(dict.fromkeys(required))
    fixed = {name: value for name, value in expanded.parameters.items() if name not in required}
    return DriverForm(expanded.statement, tuple(expanded.positiontup or ()), fixed, convert, row)


async def fetch(source: AsyncSession | AsyncConnection, statement: Any, params: Mapping[str, Any]) -> Sequence[Any]:
    """The rows of a kept statement: on PostgreSQL through the connection's asyncpg connection directly
    (the statement compiled once, no ORM execution, no result machinery), else through SQLAlchemy."""
    connection = await source.connection() if isinstance(source, AsyncSession) else source
    dialect = connection.dialect
    form = driver_form(statement, dialect) if dialect.name == "postgresql" else None
    if form is None:
        return (await source.execute(statement, params)).all()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    arguments = form.arguments(params)
    sent_to_driver(connection.sync_engine, connection.sync_connection, form.sql, arguments)
    make = form.row._make
    return [make(r) for r in await driver.fetch(form.sql, *arguments)]


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
