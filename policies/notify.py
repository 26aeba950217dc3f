"""Policy changes reach every server process: a version counter, NOTIFY on commit, and a reload loop.

A grant change bumps ``policy_state.version`` and, on PostgreSQL, sends ``NOTIFY asnflow_policy`` in the
same transaction (PostgreSQL delivers it only when that transaction commits, and never if it rolls
back). Each process listens on its own connection and reloads the casbin policy and forgets memoised
decisions at once. Notifications sent while a listener is down are lost, so a periodic check of the
version is the safety net; on SQLite (one process) it is the only mechanism needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from policies.enforcer import get_enforcer
from policies.viewer import forget_viewers
from server.db import Database, async_url
from server.listening import asyncpg_dsn, stopper
from server.models import PolicyState

CHANNEL = "asnflow_policy"
log = logging.getLogger(__name__)


async def policy_version(session: AsyncSession) -> int:
    found = (await session.execute(select(PolicyState.version).where(PolicyState.id == 1))).scalar_one_or_none()
    return int(found or 0)


async def bump_policy_version(session: AsyncSession) -> int:
    """Count one more policy change (creating the row if missing) and announce it on commit."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(PolicyState)
        .values(id=1, version=1)
        .on_conflict_do_update(index_elements=[PolicyState.id], set_={"version": PolicyState.version + 1})
        .returning(PolicyState.version)
    )
    version = int((await session.execute(stmt)).scalar_one())
    event.listen(session.sync_session, "after_commit", lambda _session: forget_viewers(), once=True)
    if dialect == "postgresql":
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(version)}
        )
    return version


def apply_version(version: int) -> bool:
    """Reload the policy when ``version`` differs from the one this process last saw."""
    enforcer = get_enforcer()
    if enforcer.db_version == version:
        return False
    enforcer.reload(version)
    forget_viewers()
    return True


async def start_policy_listener(database_url: str, *, interval: float | None = None) -> Callable[[], Awaitable[None]]:
    """Listen for policy changes (PostgreSQL) and re-check the version every ``interval`` seconds.

    Returns the function that stops both; call it in the app's lifespan on shutdown.
    """
    if interval is None:
        from server.settings import get_settings

        interval = get_settings().policy_reload_seconds
    if async_url(database_url).startswith("sqlite"):
        return await _start_polling(database_url, interval)
    return await _start_listening(database_url, interval)


async def _start_polling(database_url: str, interval: float) -> Callable[[], Awaitable[None]]:
    db = Database(database_url)

    async def current() -> int:
        async with db.read() as session:
            return await policy_version(session)

    get_enforcer().db_version = await current()
    task = asyncio.create_task(_poll(current, interval))

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await db.dispose()

    return stop


async def _poll(current: Callable[[], Awaitable[int]], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            apply_version(await current())
        except Exception:  # the safety net must survive a database restart
            log.warning("could not read the policy version; retrying in %.0f s", interval, exc_info=True)


async def _start_listening(database_url: str, interval: float) -> Callable[[], Awaitable[None]]:
    import asyncpg  # type: ignore[import-untyped]

    dsn = asyncpg_dsn(database_url)
    state: dict[str, Any] = {"conn": None}

    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.isascii() and payload.isdigit():
            apply_version(int(payload))
        else:
            get_enforcer().reload()
            forget_viewers()

    async def connect() -> Any:
        conn = await asyncpg.connect(dsn)
        await conn.add_listener(CHANNEL, on_notify)
        state["conn"] = conn
        return conn

    async def current() -> int:
        conn = state["conn"]
        if conn is None or conn.is_closed():
            conn = await connect()
        return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM policy_state WHERE id = 1"))

    await connect()
    get_enforcer().db_version = await current()
    return stopper(asyncio.create_task(_poll(current, interval)), state, CHANNEL, on_notify)
