"""Shared fixtures: a freshly migrated database per test, on SQLite or (ASNFLOW_TEST_BACKEND=postgres) PostgreSQL.

Migrations run once per session into a template (a SQLite file copied per test, or a PostgreSQL
template database); every test gets its own uniquely named database and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server import migrate
from server.db import Database

PG_ADMIN_URL = os.environ.get("ASNFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKEND = os.environ.get("ASNFLOW_TEST_BACKEND", "sqlite")


def _pg_base(url: str) -> str:
    return url.rsplit("/", 1)[0]


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_available() -> bool:
    async def probe() -> bool:
        try:
            import asyncpg

            conn = await asyncio.wait_for(asyncpg.connect(PG_ADMIN_URL), 3)
            await conn.close()
            return True
        except Exception:
            return False

    return asyncio.run(probe())


_PG_OK: bool | None = None


def require_pg() -> None:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = pg_available()
    if not _PG_OK:
        pytest.skip(f"no PostgreSQL server reachable at {PG_ADMIN_URL}")


def create_pg_database(template: str | None = None) -> str:
    name = f"asnflow_test_{uuid.uuid4().hex[:12]}"
    suffix = f" TEMPLATE {template}" if template else ""
    asyncio.run(_pg_exec(f"CREATE DATABASE {name}{suffix}"))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_exec(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy: a SQLite file path, or a PostgreSQL database name."""
    if BACKEND == "postgres":
        require_pg()
        name = create_pg_database()
        migrate.upgrade(f"{_pg_base(PG_ADMIN_URL)}/{name}")
        yield name
        drop_pg_database(name)
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database for this test alone."""
    if BACKEND == "postgres":
        name = create_pg_database(template=migrated_template)
        yield f"{_pg_base(PG_ADMIN_URL)}/{name}"
        drop_pg_database(name)
    else:
        path = tmp_path / "asnflow.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"


@contextlib.contextmanager
def seeded_database(size: str, directory: Path) -> Iterator[tuple[str, str]]:
    """A migrated database seeded with ``size`` (seed 1), dropped afterwards on PostgreSQL: its URL, and its
    handle (the PostgreSQL database's name, to use as a template, or the SQLite file's path, to copy)."""
    from server.seed import seed

    async def fill(url: str) -> None:
        database = Database(url)
        try:
            await seed(database, size=size, seed=1, progress=False)
        finally:
            await database.dispose()

    if BACKEND == "postgres":
        require_pg()
        name = create_pg_database()
        url = f"{_pg_base(PG_ADMIN_URL)}/{name}"
        migrate.upgrade(url)
        asyncio.run(fill(url))
        try:
            yield url, name
        finally:
            drop_pg_database(name)
    else:
        path = directory / f"{size}.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        asyncio.run(fill(url))
        yield url, str(path)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database holding the ``small`` demo data (seed 1), to copy per test."""
    with seeded_database("small", tmp_path_factory.mktemp("seeded")) as (_, handle):
        yield handle


@pytest.fixture
def seeded_db_url(seeded_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the seeded demo database for this test alone."""
    if BACKEND == "postgres":
        name = create_pg_database(template=seeded_template)
        yield f"{_pg_base(PG_ADMIN_URL)}/{name}"
        drop_pg_database(name)
    else:
        path = tmp_path / "seeded.db"
        shutil.copyfile(seeded_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
async def seeded_db(seeded_db_url: str) -> AsyncIterator[Database]:
    database = Database(seeded_db_url)
    yield database
    await database.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database whatever the backend (for PostgreSQL-only tests)."""
    require_pg()
    name = create_pg_database()
    url = f"{_pg_base(PG_ADMIN_URL)}/{name}"
    migrate.upgrade(url)
    yield url
    drop_pg_database(name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()
