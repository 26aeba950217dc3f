"""Every SQL statement a database runs, for counting: SQLAlchemy's and the ones sent to the driver directly.

The compiled read path and the write path (``server.driver``) send their kept statements to asyncpg itself, past
SQLAlchemy's execution (which costs more CPU than the query on a page of the inbox), so SQLAlchemy's
``before_cursor_execute`` event does not see them. ``watching`` registers a callback for both: the event
on the engine and this module's list, which the driver path calls with the same arguments. Tests and
benchmarks that count statements use it, so a page read on the driver is counted like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

Watcher = Callable[..., None]  # (connection, cursor, statement, parameters, context, executemany)
# By the engine's pool: the write path's engine (``execution_options``) is another object on the same pool,
# and SQLAlchemy's events on an engine reach it too.
_watchers: dict[int, list[Watcher]] = {}


@contextmanager
def watching(engine: Engine, watcher: Watcher) -> Iterator[None]:
    """Calls ``watcher`` for each statement ``engine`` runs until the block ends."""
    event.listen(engine, "before_cursor_execute", watcher)
    _watchers.setdefault(id(engine.pool), []).append(watcher)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", watcher)
        mine = _watchers.get(id(engine.pool), [])
        mine.remove(watcher)
        if not mine:
            _watchers.pop(id(engine.pool), None)


def sent_to_driver(engine: Engine, connection: Any, statement: str, parameters: Any) -> None:
    """Tells the watchers of ``engine`` about a statement sent to the driver directly."""
    for watcher in _watchers.get(id(engine.pool), ()):
        watcher(connection, None, statement, parameters, None, False)
