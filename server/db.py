"""The database: one async engine per process, sessions for reads and for the write path.

SQLite gets the pragmas it needs to behave (foreign keys, WAL, a busy timeout) on every connection,
and write transactions start with ``BEGIN IMMEDIATE`` so that two writers never both read a version
and then both try to upgrade their lock (see docs/decisions.md). Reads start a deferred transaction.

PostgreSQL connections are pinged when they leave the pool only if they sat idle there for more than
``IDLE_PING_SECONDS`` (see ``_ping_idle_connections``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, cast

import orjson
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from server.one_statement import OneStatementSession

WRITE_OPTION = "asnflow_write"
IDLE_PING_SECONDS = 1.0


def json_text(value: Any) -> str:
    """JSON columns are stored compact with sorted keys: the audit verifier embeds the stored text as is."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def json_value(text: str | bytes) -> Any:
    """JSON columns are read with orjson (a 50-row task page decodes ~150 values; the stdlib parser cost
    ~1.5 ms of it); text orjson refuses (NaN, integers beyond 64 bits, written by something other than
    asnflow) still reads as the standard library reads it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def async_url(url: str) -> str:
    """Map the user-facing URL (``sqlite:///x.db``, ``postgresql://...``) to its async driver."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    if url.startswith("sqlite+aiosqlite:"):
        return url
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"ASNFLOW_DATABASE_URL {url!r} is not supported: use sqlite:///FILE or postgresql://USER@HOST/DB")


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """``pool_pre_ping``, but only for connections idle longer than ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout (1-2 ms of a ~15 ms ``act``,
    measured). Instead: a connection the server closed (a restart or ``pg_terminate_backend`` sends a
    goodbye the driver has already seen) is replaced at no cost; one that sat idle for more than
    ``idle_seconds`` is pinged. What is left, a connection silently lost within the last second, fails
    as a disconnect: SQLAlchemy invalidates the whole pool and that one request is answered
    ``UNAVAILABLE`` (retry) while the next ones get fresh connections.
    """
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["asnflow_checked_in"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and driver.is_closed():  # the server said goodbye (restart, terminate): free to see
            raise exc.DisconnectionError("the connection was closed by the server")
        since = record.info.get("asnflow_checked_in")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            if dialect.is_disconnect(cast(Any, error), dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error  # the pool retries with a new connection
            raise


class _RequestReads:
    """Every read of one request on one connection (and one session, for ORM reads), taken in turns.

    A GraphQL request used to open a session per root field and per helper (``request`` opened three),
    each a pool checkout: a query with many root fields held as many connections as it had fields, and
    a few such requests exhausted the pool. Now the first read of a request checks out one connection;
    the request's reads share it, one at a time (root fields resolve concurrently, and an
    ``AsyncSession`` must not be used by two tasks at once). A read nested in another read of the same
    task (a helper called inside a ``read()`` block) reuses the session without waiting for itself.

    Core reads (``connection``, the compiled path's rows) take the same turns without the session. Each
    outermost block is its own transaction: rolled back at the end, after its rows were detached
    (as closing a session detaches them), so a read after a write of the same request sees the write
    even on SQLite, whose read transaction keeps the snapshot it started with.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._connection: AsyncConnection | None = None
        self._session: AsyncSession | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.connection() as connection:
            if self._session is None:
                self._session = AsyncSession(bind=connection, expire_on_commit=False, autoflush=False)
            yield self._session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """The request's connection, for a session or for Core reads without one (the compiled path's rows):
        checked out on first use, taken in turns, its transaction rolled back when the outermost block ends."""
        task = asyncio.current_task()
        if self._connection is not None and task is not None and self._owner is task:
            yield self._connection  # nested in this task's own turn
            return
        async with self._lock:
            self._owner = task
            try:
                if self._connection is None:
                    self._connection = await self.db.engine.connect()
                yield self._connection
            finally:
                self._owner = None
                await self._end_transaction()

    async def _end_transaction(self) -> None:
        if self._connection is None:
            return
        try:
            if self._session is not None:
                self._session.expunge_all()
                await self._session.rollback()
            if self._connection.in_transaction():  # a Core read (``connection``) began one
                await self._connection.rollback()
        except Exception:
            await self.close()  # a broken connection: the next read of the request checks out a new one

    async def close(self) -> None:
        session, connection = self._session, self._connection
        self._session = self._connection = None
        with contextlib.suppress(Exception):
            if session is not None:
                await session.close()
        with contextlib.suppress(Exception):
            if connection is not None:
                await connection.close()


_request_reads: ContextVar[_RequestReads | None] = ContextVar("asnflow_request_reads", default=None)


class Database:
    """The engine and the two session factories of one process."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        aurl = async_url(url)
        self.is_sqlite = aurl.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": json_text, "json_deserializer": json_value}
        if not self.is_sqlite:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        self.engine: AsyncEngine = create_async_engine(aurl, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _ping_idle_connections(self.engine)
        self.write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._writes = async_sessionmaker(self.write_engine, expire_on_commit=False, autoflush=False)
        # statements outside a transaction, each one its own (PostgreSQL): ``server.one_statement``
        self._one_statement = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
            sync_session_class=OneStatementSession,
        )
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session; closed (and its transaction rolled back) on exit.

        Inside ``one_session_per_request`` it is the request's one session instead (see ``_RequestReads``).
        """
        shared = _request_reads.get()
        if shared is not None and shared.db is self:
            async with shared.session() as session:
                yield session
            return
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """``read()`` for Core statements: the connection alone, no ORM session to set up and roll back
        (the compiled read path's rows). Inside ``one_session_per_request``, the request's one connection."""
        shared = _request_reads.get()
        if shared is not None and shared.db is self:
            async with shared.connection() as connection:
                yield connection
            return
        async with self.engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def one_session_per_request(self) -> AsyncIterator[None]:
        """Every ``read()`` until the block ends shares one connection; it goes back to the pool at the end.

        The write path keeps its own transaction (``write()``): it must commit or roll back as one unit,
        and on SQLite it starts with ``BEGIN IMMEDIATE``.
        """
        shared = _RequestReads(self)
        token = _request_reads.set(shared)
        try:
            yield
        finally:
            _request_reads.reset(token)
            await shared.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One write transaction: committed on a clean exit, rolled back on any exception.

        On SQLite the writers of this process queue on an ``asyncio.Lock`` (first come, first served)
        before ``BEGIN IMMEDIATE``: SQLite's busy handler retries at intervals, in no order, so under
        load a writer could wait many seconds while later ones got through (p95 3.5 s against p50
        0.2 s in bench/RESULTS.md). Other processes (``asnflow workflows tick``) still meet the busy
        timeout.
        """
        if self._write_lock is None:
            async with self._writes() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._writes() as session, session.begin():
            yield session

    @property
    def takes_one_statement(self) -> bool:
        """Whether a command may run as one statement (``server.one_statement``): PostgreSQL only (SQLite
        has no data-modifying CTEs, and its write transaction's lock is taken at ``BEGIN IMMEDIATE``)."""
        return not self.is_sqlite

    @asynccontextmanager
    async def one_statement(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements run outside a transaction and whose one write waits for the audit
        append's statement (``server.one_statement``); PostgreSQL only."""
        async with self._one_statement() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
