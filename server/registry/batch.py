"""What every kind of import does, and the bulk-writing helpers they share.

An importer reads what its checks need from the database once (``load``), checks each row as it comes
(``check``), then checks across rows (``finish``: duplicates, overlaps, quotas), and only when no row
has a problem writes everything with Core ``INSERT``/``UPDATE`` executemany (``write``): one statement
per few thousand rows, not an ORM object per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Base
from server.registry.columns import CellReader, Finding
from server.registry.validation import Problem
from server.sql import is_postgres

CHUNK_ROWS = 5_000
Advance = Callable[[int], None]


class Importer:
    """One kind of record (``kind`` as on the command line); subclasses fill in the four steps."""

    kind: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]  # written to: locked against concurrent writers on PostgreSQL

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.records: list[dict[str, Any]] = []  # the normalised rows, in file order: what the audit hash covers

    async def load(self, session: AsyncSession) -> None:
        raise NotImplementedError

    def check(self, cells: CellReader) -> None:
        raise NotImplementedError

    def finish(self, findings: list[Finding]) -> None:
        """Checks across rows; the default has none."""

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        raise NotImplementedError


def problem_findings(cells: CellReader, problems: Sequence[Problem]) -> None:
    """The shared record rules' problems, as findings on the columns they name; a column whose cell could
    not even be read (and so reached the rules empty) keeps its one finding."""
    unreadable = {f.column for f in cells.findings if f.row == cells.row.number}
    for p in problems:
        if p.field not in unreadable:
            cells.problem(p.field, f"{p.message} (rule {p.rule})" if p.rule else p.message)


async def lock_for_import(session: AsyncSession, tables: Sequence[str]) -> None:
    """PostgreSQL: keep other writers out of the tables an import checks and fills (readers go on).

    The checks (a NIP not yet taken, a quota not yet exceeded) and the explicit ids must still hold
    when the rows go in. On SQLite the write transaction (``BEGIN IMMEDIATE``) already excludes writers.
    """
    if is_postgres(session):
        for name in tables:
            await session.execute(text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))


async def next_id(session: AsyncSession, table_name: str) -> int:
    table: Table = Base.metadata.tables[table_name]
    return int((await session.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()) + 1


async def insert_many(
    session: AsyncSession, table_name: str, rows: Sequence[Mapping[str, object]], advance: Advance
) -> None:
    table: Table = Base.metadata.tables[table_name]
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        await session.execute(insert(table), list(chunk))
        advance(len(chunk))


async def move_sequence_past(session: AsyncSession, table_name: str) -> None:
    """PostgreSQL: the next ordinary insert must not collide with the ids an import gave explicitly."""
    if is_postgres(session):
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                f"FROM {table_name}"
            )
        )
