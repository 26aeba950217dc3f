"""The ranked candidates of a vacancy, kept per (position, day, data generation): computed once, then served
until anything is written (issue 14: ``vacancyCandidates`` judged 5,000 people by every guard per request).

What is kept is who asks nothing of: every person a placement into the position would pass the guards
for, scored and ordered (``workflows.vacancy.rank``). Who may see whom is applied per request on top, in
SQL, so a grant change never needs this cache to forget anything.

The data generation is read from the database in the request's own transaction, so a write anywhere
(this process, another server process, the CLI) is never served a stale list:

- PostgreSQL: the transaction snapshot (``pg_current_snapshot()``: xmin, xmax and the transactions in
  progress) of the database. Two equal snapshots see exactly the same committed transactions; any write
  commits a transaction id that changes it. It is cluster-wide, so a write to another database of the
  cluster forgets too (safe, only slower).
- SQLite (one file): ``PRAGMA data_version`` of the connection, which changes when any other connection
  (in this process or another) commits, with the connection's own identity (the values of two
  connections are not comparable) and a count of this process's commits (a connection's own writes do
  not change its ``data_version``).

The generation is read before the list is computed, so a list is never kept under a generation older
than the data it was computed from. Bounded: the least recently used entry goes first.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
MAX_ENTRIES = 16

_commits = 0


def _count_commit(*_: Any) -> None:
    global _commits
    _commits += 1


event.listen(Engine, "commit", _count_commit)


async def generation(session: AsyncSession) -> Hashable:
    """A value that differs whenever the data this session can see has changed (see the module's text)."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        snapshot = "SELECT current_database() || ' ' || pg_current_snapshot()::text"
        return ("postgresql", str(conn.engine.url), (await conn.exec_driver_sql(snapshot)).scalar_one())
    commits = _commits  # before data_version: a commit in between changes one of the two
    info = conn.sync_connection.connection.info if conn.sync_connection is not None else {}
    ident = info.setdefault("asnflow_connection_id", uuid.uuid4().hex)
    version = (await conn.exec_driver_sql("PRAGMA data_version")).scalar_one()
    return ("sqlite", ident, version, commits)


class GenerationCache(Generic[T]):
    """Values per (key, data generation), at most ``max_entries`` of them, least recently used out first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Hashable, Hashable], T] = OrderedDict()

    async def get(self, session: AsyncSession, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The value kept for ``key`` in the data generation ``session`` sees, else ``compute()`` (kept)."""
        if self.max_entries <= 0:
            return await compute()
        full = (key, await generation(session))
        found = self._entries.get(full)
        if found is not None:
            self._entries.move_to_end(full)
            return found
        value = await compute()
        self._entries[full] = value
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value
