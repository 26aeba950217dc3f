"""Apply, revert and check migrations programmatically (``asnflow migrate``), without an alembic.ini."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.db import async_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _in_thread(url: str, action: str, revision: str) -> None:
    async def run() -> None:
        engine = create_async_engine(async_url(url))
        async with engine.connect() as conn:

            def sync(connection: Connection) -> None:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = connection
                if action == "upgrade":
                    command.upgrade(cfg, revision)
                elif action == "downgrade":
                    command.downgrade(cfg, revision)
                else:
                    command.check(cfg)

            await conn.run_sync(sync)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())


def upgrade(url: str, revision: str = "head") -> None:
    _in_thread(url, "upgrade", revision)


def downgrade(url: str, revision: str = "base") -> None:
    _in_thread(url, "downgrade", revision)


def check(url: str) -> None:
    """Raise when the models and the migrations disagree (``alembic check``)."""
    _in_thread(url, "check", "head")


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Run from inside an event loop: alembic is synchronous, so it gets a thread with its own loop."""
    await asyncio.to_thread(upgrade, url, revision)
