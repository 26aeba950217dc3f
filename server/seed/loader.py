"""Bulk loading: Core ``INSERT`` executemany in chunks, one progress bar row per table.

The ORM unit of work would build an object per row; the registry is hundreds of thousands of rows,
so rows go in as plain dicts. Ids are generated explicitly, so on PostgreSQL the serial sequences are
moved past them afterwards, or the next ordinary insert would collide with a seeded id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Protocol

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Integer, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Base
from server.registry.batch import insert_many


class Advance(Protocol):
    def __call__(self, table: str, rows: int) -> None: ...


@contextmanager
def progress_bar(tables: Mapping[str, int], *, enabled: bool) -> Iterator[Advance]:
    """A bar per table (rows written of rows to write); a no-op when ``enabled`` is false."""
    if not enabled:
        yield lambda table, rows: None
        return
    columns = (TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        tasks = {name: bar.add_task(name, total=count) for name, count in tables.items()}
        yield lambda table, rows: bar.advance(tasks[table], rows)


async def insert_rows(
    session: AsyncSession, table_name: str, rows: Sequence[Mapping[str, object]], advance: Advance
) -> None:
    """The import's chunked insert (server.registry.batch), its progress counted on the table's bar."""
    await insert_many(session, table_name, rows, lambda count: advance(table_name, count))


async def move_sequences_past(session: AsyncSession, table_names: Sequence[str]) -> None:
    """PostgreSQL only: continue each ``id`` sequence after the highest seeded id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in table_names:
        if not isinstance(Base.metadata.tables[name].c.id.type, Integer):
            continue  # a natural key (users: the NIP), no sequence behind it
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {name}")
        )
