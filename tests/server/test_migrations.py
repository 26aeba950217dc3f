"""Migrations go up, down and up again on both engines, and the models never drift from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import migrate
from tests.server.migration_helpers import on_new_postgres


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
    on_new_postgres(_round_trip)
