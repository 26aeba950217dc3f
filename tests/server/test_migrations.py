"""Migrations go up, down and up again on both engines, and the models never drift from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import migrate
from tests.conftest import PG_ADMIN_URL, _pg_base, create_pg_database, drop_pg_database, require_pg


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    migrate.check(url)
    migrate.downgrade(url)
    migrate.upgrade(url)
    migrate.check(url)


def test_sqlite_migrates_up_down_and_up(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_postgresql_migrates_up_down_and_up() -> None:
    require_pg()
    name = create_pg_database()
    try:
        _round_trip(f"{_pg_base(PG_ADMIN_URL)}/{name}")
    finally:
        drop_pg_database(name)
