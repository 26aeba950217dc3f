"""Running a migration round trip on a PostgreSQL database of its own, made for it and dropped after."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import PG_ADMIN_URL, _pg_base, create_pg_database, drop_pg_database, require_pg


def on_new_postgres(round_trip: Callable[[str], None]) -> None:
    """``round_trip(url)`` on a new, empty PostgreSQL database (skipped when PostgreSQL is not there)."""
    require_pg()
    name = create_pg_database()
    try:
        round_trip(f"{_pg_base(PG_ADMIN_URL)}/{name}")
    finally:
        drop_pg_database(name)
