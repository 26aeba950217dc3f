"""What the two LISTEN loops (request changes, policy changes) share: the asyncpg DSN and the stop function."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from server.db import async_url


def asyncpg_dsn(database_url: str) -> str:
    """The plain ``postgresql://`` DSN asyncpg connects with, from any of the app's database URLs."""
    return "postgresql://" + async_url(database_url).split("://", 1)[1]


def stopper(
    task: asyncio.Task[None], state: dict[str, Any], channel: str, on_notify: Callable[..., None]
) -> Callable[[], Awaitable[None]]:
    """The function that stops a listener: cancel its background ``task``, then unlisten and close the connection
    held in ``state["conn"]`` if it is still open."""

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        conn = state["conn"]
        if conn is not None and not conn.is_closed():
            await conn.remove_listener(channel, on_notify)
            await conn.close()

    return stop
