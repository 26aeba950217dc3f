"""Migration 0017: task due times written as Jakarta wall time on SQLite move to UTC (and back on downgrade)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server import migrate

JAKARTA_WALL_TIME = "2026-12-03 23:59:00.000000"  # what SQLite kept of 23:59+07:00
UTC = "2026-12-03 16:59:00.000000"


def _due(path: Path) -> list[str]:
    with sqlite3.connect(path) as c:
        return [r[0] for r in c.execute("SELECT due_at FROM tasks ORDER BY id")]


def test_stored_jakarta_due_times_move_to_utc_and_back(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "0003")
    with sqlite3.connect(path) as c:  # foreign keys are off on a plain connection: a bare task row will do
        c.executemany(
            "INSERT INTO tasks (id, request_id, step, role, due_at, opened_at) VALUES (?, 1, 'proposed', 'x', ?, ?)",
            [(1, JAKARTA_WALL_TIME, "2026-11-28 03:00:00.000000"), (2, None, "2026-11-28 03:00:00.000000")],
        )
    migrate.upgrade(url, "0017")
    assert _due(path) == [UTC, None]
    migrate.downgrade(url, "0003")
    assert _due(path) == [JAKARTA_WALL_TIME, None]
