"""Each server process hears the request changes every process commits (PostgreSQL LISTEN/NOTIFY).

One connection per process listens on ``asnflow_requests`` (server/events.py sends there in the write
transaction) and hands each change to this process's bus, its own changes included: one path for
all. A notification sent while the connection is down is lost, so when the connection is found
closed every open subscription is ended as *behind* (its client reloads and subscribes again) and
the connection is made again; it is checked every ``interval`` seconds, and at once when asyncpg
sees it terminate. On SQLite there is one process and nothing to listen to: the bus is fed after
commit in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.db import async_url
from server.events import BUS, CHANNEL, RequestChanged
from server.listening import asyncpg_dsn, stopper

log = logging.getLogger(__name__)
CHECK_SECONDS = 5.0


async def start_event_listener(database_url: str, *, interval: float = CHECK_SECONDS) -> Callable[[], Awaitable[None]]:
    """Start listening (PostgreSQL; nothing on SQLite); returns the function that stops it."""
    if async_url(database_url).startswith("sqlite"):

        async def nothing() -> None:
            return None

        return nothing
    return await _listen(asyncpg_dsn(database_url), interval)


def _on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
    change = RequestChanged.parse(payload)
    if change is None:
        log.warning("ignored a notification on %s that asnflow did not send: %r", CHANNEL, payload[:80])
        return
    BUS.publish(change)


async def _listen(dsn: str, interval: float) -> Callable[[], Awaitable[None]]:
    import asyncpg  # type: ignore[import-untyped]

    state: dict[str, Any] = {"conn": None}
    lost = asyncio.Event()

    def on_terminate(_conn: Any) -> None:
        lost.set()

    async def connect() -> None:
        conn = await asyncpg.connect(dsn)
        conn.add_termination_listener(on_terminate)
        await conn.add_listener(CHANNEL, _on_notify)
        state["conn"] = conn

    async def watch() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), interval)
            conn = state["conn"]
            if conn is not None and not conn.is_closed():
                continue
            lost.clear()
            if conn is not None:
                log.warning("the LISTEN connection for request changes was lost; ending open subscriptions")
                BUS.interrupt()
                state["conn"] = None
            try:
                await connect()
            except Exception:  # the database may be restarting: try again at the next check
                log.warning("could not listen for request changes; retrying in %.0f s", interval, exc_info=True)

    await connect()
    return stopper(asyncio.create_task(watch()), state, CHANNEL, _on_notify)
