"""Verifying in several processes: pieces of the seq range, taken from one queue by this process and
by the workers of a ``concurrent.futures.ProcessPoolExecutor``.

Each worker opens its own connection once, when it starts (``_start_worker``), on the caller's
snapshot: on PostgreSQL it imports the exported snapshot (``pg_export_snapshot``); on SQLite the rows
up to ``high`` were committed before the caller's snapshot and are never changed. A worker is given
one piece at a time and hands back only the piece's ``Walk`` (its ends and at most ``MAX_ANOMALIES``
rows), so memory does not grow with the log. Workers are started with "spawn": the caller runs an event
loop and driver threads, which a forked child must not inherit; this module and those it imports load
no SQLAlchemy, so a worker is ready in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import multiprocessing.util
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.audit.sources import CopySource, Piece, RowsSource, Source, open_source
from server.audit.walk import Walk

if TYPE_CHECKING:  # imported lazily: the workers import this module and must start fast
    from sqlalchemy.ext.asyncio import AsyncConnection

    from server.db import Database

PARALLEL_MIN_EVENTS = 250_000  # below this, starting a worker costs about what it saves (measured)
MAX_WORKERS = 8
PIECES_PER_WORKER = 8  # the seq range is cut into about this many pieces per process, so they end together
MAX_PIECE = 25_000
START_METHOD = "spawn"


def default_workers(events: int) -> int:
    """One process per CPU (up to ``MAX_WORKERS``) for a log of ``PARALLEL_MIN_EVENTS`` or more, else 1."""
    if events < PARALLEL_MIN_EVENTS:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def split_range(low: int, high: int, workers: int, copy_sql: Callable[[int, int], str] | None) -> list[Piece]:
    """``low``..``high`` cut into about ``PIECES_PER_WORKER`` pieces per process of at most ``MAX_PIECE`` seqs."""
    span = max(1, min(MAX_PIECE, -(-(high - low + 1) // (workers * PIECES_PER_WORKER))))
    return [
        (a, min(a + span - 1, high), copy_sql(a, min(a + span - 1, high)) if copy_sql else "")
        for a in range(low, high + 1, span)
    ]


@dataclass
class _Worker:
    """A worker process's state: its event loop and connection, or why it could not open one."""

    loop: asyncio.AbstractEventLoop
    source: Source | None
    failure: str | None
    checkpoint_seqs: tuple[int, ...]


_worker: _Worker | None = None


def _start_worker(config: dict[str, Any]) -> None:
    """The pool's initializer, once per worker process: open its connection (a failure is kept and
    raised by every call, so the caller hears why)."""
    global _worker
    loop = asyncio.new_event_loop()
    source, failure = None, None
    try:
        source = loop.run_until_complete(open_source(config))
    except Exception:
        failure = traceback.format_exc()
    _worker = _Worker(loop, source, failure, tuple(config["checkpoint_seqs"]))
    multiprocessing.util.Finalize(None, _stop_worker, exitpriority=10)  # runs when the pool ends the worker


def _stop_worker() -> None:
    if _worker is not None:
        if _worker.source is not None:
            _worker.loop.run_until_complete(_worker.source.close())
        _worker.loop.close()


def _started() -> _Worker:
    if _worker is None or _worker.source is None:
        raise RuntimeError(f"an audit verification process failed:\n{_worker.failure if _worker else 'not started'}")
    return _worker


def _ready() -> None:
    """Answers once the worker's connection is open: no piece waits on a worker that is still starting."""
    _started()


def _walk_piece(piece: Piece) -> Walk:
    worker = _started()
    assert worker.source is not None
    return worker.loop.run_until_complete(worker.source.walk(piece, worker.checkpoint_seqs, None))


async def walk_log(
    db: Database,
    conn: AsyncConnection,
    low: int,
    high: int,
    workers: int,
    checkpoint_seqs: Sequence[int],
    on_progress: Callable[[int], None] | None,
) -> list[Walk]:
    """Walk ``low``..``high`` on ``conn`` (the caller's snapshot) and, with ``workers`` > 1, in worker processes."""
    from server.audit import queries

    driver: Any = (await conn.get_raw_connection()).driver_connection
    source: Source
    config: dict[str, Any] = {"checkpoint_seqs": tuple(checkpoint_seqs)}
    if db.is_sqlite:
        source = RowsSource(driver, queries.chain_rows_sql())
        path = db.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            workers = 1
        config.update(kind="sqlite", target=path, rows_sql=source.rows_sql)
        copy_sql = None
    else:
        await driver.execute(queries.PG_STREAM_SETTINGS)
        source = CopySource(driver)
        target = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        config.update(kind="postgresql", target=target, settings=queries.PG_STREAM_SETTINGS, snapshot=None)
        copy_sql = queries.chain_copy_sql
    if workers <= 1 or high == low or not sys.executable:  # one process (or no interpreter for workers)
        return [await source.walk((low, high, copy_sql(low, high) if copy_sql else ""), checkpoint_seqs, on_progress)]

    if not db.is_sqlite:
        config["snapshot"] = await driver.fetchval("SELECT pg_export_snapshot()")
    pieces = split_range(low, high, workers, copy_sql)
    results: list[Walk | None] = [None] * len(pieces)
    queue = collections.deque(range(len(pieces)))
    done = {"finished": 0, "here": 0}
    loop = asyncio.get_running_loop()

    def report(here: int) -> None:
        done["here"] = here
        if on_progress is not None:
            on_progress(done["finished"] + done["here"])

    async def walk_here() -> None:
        while queue:
            i = queue.popleft()
            results[i] = walk = await source.walk(pieces[i], checkpoint_seqs, report)
            done["finished"] += walk.checked
            report(0)

    async def walk_there(working: list[bool]) -> None:
        await loop.run_in_executor(pool, _ready)
        while queue:
            i = queue.popleft()
            working[0] = True
            results[i] = walk = await loop.run_in_executor(pool, _walk_piece, pieces[i])
            working[0] = False
            done["finished"] += walk.checked
            report(done["here"])

    context = multiprocessing.get_context(START_METHOD)
    count = min(workers, len(pieces)) - 1
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_start_worker, initargs=(config,))
    slots = [[False] for _ in range(count)]
    tasks = [asyncio.create_task(walk_there(slot)) for slot in slots]
    try:
        await walk_here()
        for slot, task in zip(slots, tasks, strict=True):
            if not slot[0]:  # the queue is empty: nothing left for it
                task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
    return [walk for walk in results if walk is not None]
