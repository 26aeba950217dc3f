"""Export the whole audit log as JSON lines or CSV, streaming in ``seq`` order in constant memory.

A JSON line holds every hashed field with the values ``event_hash`` reads (``at`` as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, JSON columns as JSON) plus ``hash``, so an auditor can
recompute the chain from the export alone: drop ``hash`` from a line, encode it canonically and
compare. CSV has the same columns in the same order; JSON columns hold compact JSON text and an
empty cell is null. A text cell a spreadsheet would run as a formula is neutralised (server/csv_safe.py:
a leading ``'`` is added), so recompute hashes from the JSON lines export, or strip that one ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable
from typing import IO, Any, Literal, cast

import orjson

from server.audit import queries
from server.audit.encoding import format_at
from server.csv_safe import neutralise
from server.db import Database

Format = Literal["jsonl", "csv"]
_JSON_POSITIONS = frozenset(i for i, name in enumerate(queries.CHAIN_COLUMN_NAMES) if name in queries.JSON_COLUMNS)
_AT = queries.CHAIN_COLUMN_NAMES.index("at")


def _values(row: Any) -> list[Any]:
    values = list(row)
    for i in _JSON_POSITIONS:
        if values[i] is not None:
            values[i] = orjson.loads(values[i])
    at = values[_AT]
    values[_AT] = format_at(at) if isinstance(at, dt.datetime) else at
    return values


def _sink(out: IO[bytes] | IO[str]) -> Callable[[bytes], object]:
    """Bytes go straight to a binary stream; a text stream (``StringIO``, ``sys.stdout``) gets them decoded."""
    if isinstance(out, io.TextIOBase):
        text_out = cast(IO[str], out)
        return lambda chunk: text_out.write(chunk.decode())
    return cast(IO[bytes], out).write


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return neutralise(value) if isinstance(value, str) else value


async def export_chunks(db: Database, *, fmt: Format = "jsonl") -> AsyncIterator[tuple[bytes, int]]:
    """The export as chunks of bytes, each with the number of events it holds: the command line writes them
    to a file, the auditors' download (schema/console/routes.py) streams them to the browser."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"export format {fmt!r} is not one of jsonl, csv")
    names = queries.CHAIN_COLUMN_NAMES
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; and only then is a cell with \r quoted
    if fmt == "csv":
        writer.writerow(names)
    written = 0
    async with db.engine.connect() as conn:
        async for batch in queries.stream_chain(conn):
            if fmt == "jsonl":
                chunk = b"".join(orjson.dumps(dict(zip(names, _values(row), strict=True))) + b"\n" for row in batch)
            else:
                writer.writerows([_csv_cell(v) for v in _values(row)] for row in batch)
                chunk = buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
            written += len(batch)
            yield chunk, len(batch)
    if fmt == "csv" and written == 0:
        yield buffer.getvalue().encode(), 0


async def export(
    db: Database,
    out: IO[bytes] | IO[str],
    *,
    fmt: Format = "jsonl",
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write every event to ``out`` (a binary or text stream); returns the number written."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError(f"export format {fmt!r} is not one of jsonl, csv")
    write = _sink(out)
    written = 0
    async for chunk, count in export_chunks(db, fmt=fmt):
        write(chunk)
        written += count
        if on_progress is not None and count:
            on_progress(written)
    out.flush()
    return written
