"""Fixtures of the fault tests: a seeded PostgreSQL database per test, whatever ASNFLOW_TEST_BACKEND says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKEND, PG_ADMIN_URL, _pg_base, create_pg_database, drop_pg_database, require_pg


@pytest.fixture(scope="session")
def pg_seeded_template(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database holding the ``small`` demo world, to copy per test (the shared one on postgres)."""
    require_pg()
    if BACKEND == "postgres":
        yield request.getfixturevalue("seeded_template")
        return
    import asyncio

    from server import migrate
    from server.db import Database
    from server.seed import seed

    name = create_pg_database()
    try:
        url = f"{_pg_base(PG_ADMIN_URL)}/{name}"
        migrate.upgrade(url)

        async def fill() -> None:
            db = Database(url)
            try:
                await seed(db, size="small", seed=1, progress=False)
            finally:
                await db.dispose()

        asyncio.run(fill())
        yield name
    finally:
        drop_pg_database(name)


@pytest.fixture
def pg_seeded_url(pg_seeded_template: str) -> Iterator[str]:
    """A fresh copy of the seeded PostgreSQL database for this test alone; dropped afterwards."""
    name = create_pg_database(template=pg_seeded_template)
    try:
        yield f"{_pg_base(PG_ADMIN_URL)}/{name}"
    finally:
        drop_pg_database(name)
