"""Kept statements sent to asyncpg directly on PostgreSQL, past SQLAlchemy's execution.

SQLAlchemy's execution of a statement (the session's and the connection's bookkeeping, the execution
context, the result's metadata) costs more CPU than many of asnflow's statements cost the database: in
process, ~0.3 ms for a ``SELECT pg_notify`` through a session against ~0.1 ms sent to the driver, and
0.55 against 0.25 ms for a page of the inbox. The statements that run on every page and every step are
built once (``kept``), compiled once into their driver form (``driver_form``: the SQL, the parameters in
``$n`` order, the values bound when it was built) and sent to the request's asyncpg connection by
``fetch``. Anything the driver form cannot carry (a type converting values in Python, an IN list given per
request), and every statement on SQLite, goes through SQLAlchemy as before.

In a write transaction (``in_transaction=True``) a statement goes to the driver only once the transaction
has begun on the connection (SQLAlchemy begins it lazily, with the first statement it runs itself), so that
it is part of that transaction; before that it runs through SQLAlchemy, which begins it. The driver's errors
are raised as SQLAlchemy's (``IntegrityError``, ``InterfaceError``, ``DBAPIError``), as its own execution
would raise them, so the write path answers a constraint violation or a lost connection the same way.
Statements sent here are counted like any other (``server.statements_seen``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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
    convert: Mapping[str, Callable[[Any], Any]]  # a per-request parameter's conversion (an array's list, JSON)
    row: Any

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        convert, fixed = self.convert, self.fixed
        return [(convert[n](params[n]) if n in convert else params[n]) if n in params else fixed[n] for n in self.names]


_forms: dict[int, tuple[Any, DriverForm | None]] = {}


def driver_form(statement: Any, dialect: Dialect) -> DriverForm | None:
    """The statement's asyncpg form, or None where SQLAlchemy must run it: a type that converts a value
    in Python (a result processor, or a bind processor of a value bound when the statement was built;
    asyncpg's codecs, which SQLAlchemy's dialect sets up on every connection, do the rest), an IN list given
    per request (PostgreSQL's are arrays: ``server.sql.any_of_param``), or a column key that cannot be a row
    attribute. Kept per statement object, as long as the statement is kept (compiled again if it comes back).
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


_CONNECTIONS = "asnflow_driver_connection"


async def _connections(source: AsyncSession | AsyncConnection) -> tuple[AsyncConnection, Any]:
    """The source's connection and, on PostgreSQL, its asyncpg connection (None elsewhere). A session's are
    looked up once per transaction (kept in ``session.info`` with the transaction they belong to): a session
    holds one connection from its transaction's first statement to its end."""
    if isinstance(source, AsyncConnection):
        return source, await _driver_of(source)
    transaction = source.sync_session.get_transaction()
    known = source.info.get(_CONNECTIONS)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1], known[2]
    connection = await source.connection()
    found = connection, await _driver_of(connection)
    if transaction is not None:
        source.info[_CONNECTIONS] = (transaction, *found)
    return found


async def _driver_of(connection: AsyncConnection) -> Any:
    if connection.dialect.name != "postgresql":
        return None
    return (await connection.get_raw_connection()).driver_connection


async def fetch(
    source: AsyncSession | AsyncConnection, statement: Any, params: Mapping[str, Any], *, in_transaction: bool = False
) -> Sequence[Any]:
    """The rows of a kept statement: on PostgreSQL through the connection's asyncpg connection directly
    (the statement compiled once, no ORM execution, no result machinery), else through SQLAlchemy.
    ``in_transaction``: the statement belongs to the source's transaction (a write), so it goes to the driver
    only once that transaction has begun there."""
    connection, driver = await _connections(source)
    form = driver_form(statement, connection.dialect) if driver is not None else None
    if form is None or driver is None or (in_transaction and not driver.is_in_transaction()):
        return (await source.execute(statement, params)).all()
    arguments = form.arguments(params)
    sent_to_driver(connection.sync_engine, connection.sync_connection, form.sql, arguments)
    try:
        records = await driver.fetch(form.sql, *arguments)
    except asyncpg.IntegrityConstraintViolationError as error:
        raise exc.IntegrityError(form.sql, arguments, error) from error
    except asyncpg.InterfaceError as error:
        raise exc.InterfaceError(form.sql, arguments, error) from error
    except asyncpg.PostgresError as error:
        raise exc.DBAPIError(form.sql, arguments, error) from error
    make = form.row._make
    return [make(r) for r in records]
