"""Where a walk reads the log from: one connection streaming pieces of it, in the seq order of the chain.

A source is the caller's snapshot connection, or a worker process's own one on the same snapshot
(``open_source``). This module and those it imports load no SQLAlchemy, so a worker starts fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from server.audit.walk import Walk

COPY_CHUNK_BYTES = 128 * 1024  # COPY text checked at a time: large enough to amortise, small enough for the cache
SQLITE_BATCH = 2_048  # rows per fetch on SQLite (each fetch is a trip to the driver's thread)
SQLITE_CHUNK = 256  # rows checked at a time on SQLite: their encodings stay in the cache

Piece = tuple[int, int, str]  # low, high, and on PostgreSQL the COPY query of that range


class Source:
    """One connection that walks pieces of the log: the caller's snapshot connection, or a worker's own."""

    async def walk(self, piece: Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None) -> Walk:
        raise NotImplementedError

    async def close(self) -> None:
        """Close a connection this source opened itself."""


class CopySource(Source):
    """PostgreSQL: ``COPY (queries.chain_copy_sql) TO STDOUT`` over asyncpg, checked ``COPY_CHUNK_BYTES`` at a time.

    asyncpg stops reading the socket while a chunk is checked, so the server runs at most a socket
    buffer ahead and memory stays flat.
    """

    def __init__(self, driver: Any, owned: bool = False) -> None:
        self.driver = driver
        self.owned = owned

    async def walk(self, piece: Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None) -> Walk:
        walk = Walk(checkpoint_seqs)
        pending: list[bytes] = []
        size = 0

        async def sink(data: bytes | bytearray) -> None:
            nonlocal size
            data = bytes(data)  # asyncpg hands over a bytearray: pieces of bytes are cheaper
            if not pending and len(data) >= COPY_CHUNK_BYTES and data.endswith(b"\n"):
                walk.feed_copy(data)  # asyncpg hands over whole rows (one CopyData message each), so usually so
            else:
                pending.append(data)
                size += len(data)
                if size < COPY_CHUNK_BYTES:
                    return
                chunk = b"".join(pending)
                cut = chunk.rfind(b"\n") + 1
                walk.feed_copy(chunk[:cut])
                pending[:] = [chunk[cut:]] if cut < len(chunk) else []
                size = len(chunk) - cut
            if progress is not None:
                progress(walk.checked)

        await self.driver.copy_from_query(piece[2], output=sink)
        walk.feed_copy(b"".join(pending))
        if progress is not None:
            progress(walk.checked)
        return walk

    async def close(self) -> None:
        if self.owned:
            await self.driver.close()


class RowsSource(Source):
    """SQLite over aiosqlite: ``queries.chain_rows_sql`` rows, a batch at a time.

    Fetching the next batch while this one is checked does not pay: the driver's thread needs the GIL
    for every row it builds, and waits for it while this thread hashes.
    """

    def __init__(self, driver: Any, rows_sql: str, owned: bool = False) -> None:
        self.driver = driver
        self.rows_sql = rows_sql
        self.owned = owned

    async def walk(self, piece: Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None) -> Walk:
        walk = Walk(checkpoint_seqs)
        cursor = await self.driver.execute(self.rows_sql, piece[:2])
        try:
            while rows := await cursor.fetchmany(SQLITE_BATCH):
                for start in range(0, len(rows), SQLITE_CHUNK):
                    walk.feed_rows(rows[start : start + SQLITE_CHUNK])
                if progress is not None:
                    progress(walk.checked)
        finally:
            await cursor.close()
        return walk

    async def close(self) -> None:
        if self.owned:
            await self.driver.close()


async def open_source(config: dict[str, Any]) -> Source:
    """A worker process's own connection, on the caller's snapshot where the database can share one."""
    if config["kind"] == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        driver = await asyncpg.connect(config["target"])
        await driver.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if config["snapshot"]:
            await driver.execute(f"SET TRANSACTION SNAPSHOT '{config['snapshot']}'")
        await driver.execute(config["settings"])
        return CopySource(driver, owned=True)
    import aiosqlite

    driver = await aiosqlite.connect(config["target"], isolation_level=None)
    await driver.execute("PRAGMA busy_timeout=10000")
    await driver.execute("PRAGMA query_only=1")
    await driver.execute("BEGIN")
    return RowsSource(driver, config["rows_sql"], owned=True)
