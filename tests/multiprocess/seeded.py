"""A seeded demo world for tests that race real server processes (act races, idempotency under concurrency)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from server import migrate
from server.db import Database
from server.seed import seed
from tests.conftest import PG_ADMIN_URL, _pg_base, create_pg_database, drop_pg_database, require_pg


def seed_small(url: str) -> None:
    """Migrate ``url`` and seed the ``small`` demo world into it (what ``asnflow demo`` serves)."""
    migrate.upgrade(url)

    async def fill() -> None:
        db = Database(url)
        try:
            await seed(db, size="small", seed=1, progress=False)
        finally:
            await db.dispose()

    asyncio.run(fill())


@pytest.fixture
def pg_seeded_url() -> Iterator[str]:
    """A fresh PostgreSQL database with the ``small`` demo world, for server processes; dropped afterwards."""
    require_pg()
    name = create_pg_database()
    try:
        url = f"{_pg_base(PG_ADMIN_URL)}/{name}"
        seed_small(url)
        yield url
    finally:
        drop_pg_database(name)
