"""Every SQL statement that reads the audit log: auditors' filtered pages, and the full-chain stream.

Pages use keyset pagination on ``seq`` (the primary key), so page 1,000 costs what page 1 costs and an
event appended while a client pages never shifts or repeats a row. Each filter lines up with an index
on ``audit_events``: ``(request_id, seq)``, ``(entity_type, entity_id, seq)``, ``(actor, seq)`` and ``(at)``.

The chain stream reads plain columns through a server-side cursor in ``seq`` order, with the JSON
columns cast to text and ``at`` formatted by the database: the verifier and the exporter parse JSON
with orjson, several times faster than the driver's ``json.loads``, and memory stays flat whatever
the length of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Text, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.audit.encoding import HASHED_FIELDS
from server.models import AuditEvent, AuditHead, WorkflowRequest
from server.paging import cursor_key, ordered_after, split_page
from server.sql import where_given

# The stream's column order; verify.py and export.py unpack rows positionally in this order.
CHAIN_COLUMN_NAMES: tuple[str, ...] = (*HASHED_FIELDS, "hash")
JSON_COLUMNS = frozenset({"actor_roles", "before", "after", "rule_versions"})


@dataclass(frozen=True)
class AuditQueryFilter:
    """``auditEvents(filter: ...)``: every given field must match; ``from_`` is inclusive, ``to`` exclusive."""

    request_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    from_: dt.datetime | None = None
    to: dt.datetime | None = None
    only_about: OwnTrail | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class OwnTrail:
    """Limits events to one person's own trail: about their record, their requests, or done by them."""

    user_id: str
    nip: str | None
    employee_id: int | None


def _own_trail(own: OwnTrail) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [AuditEvent.actor == own.user_id]
    if own.nip is not None:
        clauses.append(and_(AuditEvent.entity_type == "employee", AuditEvent.entity_id == own.nip))
    if own.employee_id is not None:
        about = select(WorkflowRequest.id).where(WorkflowRequest.subject_employee_id == own.employee_id)
        clauses.append(AuditEvent.request_id.in_(about))
    return or_(*clauses)


def _conditions(flt: AuditQueryFilter) -> list[ColumnElement[bool]]:
    conds = where_given(
        (AuditEvent.request_id, flt.request_id),
        (AuditEvent.entity_type, flt.entity_type),
        (AuditEvent.entity_id, flt.entity_id),
        (AuditEvent.actor, flt.actor),
        (AuditEvent.action, flt.action),
    )
    if flt.only_about is not None:
        conds.append(_own_trail(flt.only_about))
    if flt.from_ is not None:
        conds.append(AuditEvent.at >= flt.from_)
    if flt.to is not None:
        conds.append(AuditEvent.at < flt.to)
    return conds


async def list_events(
    session: AsyncSession,
    *,
    filter: AuditQueryFilter,
    first: int,
    after: str | None = None,
    newest_first: bool = True,
) -> tuple[list[Row[Any]], bool]:
    """One page of events matching ``filter`` and whether another page follows.

    Rows carry every column of ``audit_events`` by name (``row.seq``, ``row.entity_type``, ...);
    ``server.paging.encode_cursor(row.seq)`` is the edge cursor. Raises ``CursorError`` for a foreign cursor.
    """
    stmt = select(AuditEvent.__table__).where(*_conditions(filter))
    last = cursor_key(after, AuditEvent.seq, of="auditEvents") if after is not None else None
    stmt = ordered_after(stmt, AuditEvent.seq, last, first=first, descending=newest_first)
    return split_page((await session.execute(stmt)).all(), first)


async def count_events(session: AsyncSession, filter: AuditQueryFilter) -> int:
    """How many events match; with no filter the chain head's seq answers without scanning the table."""
    if filter.empty:
        head = await session.scalar(select(AuditHead.seq).where(AuditHead.id == 1))
        return int(head or 0)
    return int(await session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(filter))) or 0)


async def read_head(conn: AsyncConnection) -> tuple[int, str] | None:
    """The chain head row ``(seq, hash)``, or None when the row is gone."""
    row = (await conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1))).first()
    return None if row is None else (int(row[0]), str(row[1]))


async def event_hash_at(conn: AsyncConnection, seq: int) -> str | None:
    return await conn.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))


async def hashes_at(conn: AsyncConnection, seqs: Sequence[int]) -> dict[int, str]:
    """The stored hash of each of ``seqs`` that is there (one primary-key lookup each, in one statement)."""
    if not seqs:
        return {}
    rows = await conn.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(sorted(set(seqs)))))
    return {int(seq): str(hash_) for seq, hash_ in rows}


async def seq_of_hash(conn: AsyncConnection, hash_: str) -> int | None:
    """The seq of the event stored with ``hash_`` (a full scan: only used to explain a broken chain)."""
    return await conn.scalar(select(AuditEvent.seq).where(AuditEvent.hash == hash_).limit(1))


def _canonical_at(dialect: str) -> Any:
    """``at`` as the canonical ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` text, formatted by the database."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", AuditEvent.at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    return func.replace(cast(AuditEvent.at, Text), " ", "T").concat("Z")


def _chain_select(dialect: str) -> Any:
    columns = [
        _canonical_at(dialect)
        if name == "at"
        else cast(getattr(AuditEvent, name), Text)
        if name in JSON_COLUMNS
        else getattr(AuditEvent, name)
        for name in CHAIN_COLUMN_NAMES
    ]
    return select(*columns).order_by(AuditEvent.seq)


async def seq_bounds(conn: AsyncConnection) -> tuple[int, int] | None:
    """The lowest and highest seq stored (two primary-key lookups), or None for an empty log."""
    low, high = (await conn.execute(select(func.min(AuditEvent.seq), func.max(AuditEvent.seq)))).one()
    return None if low is None else (int(low), int(high))


async def stream_chain(
    conn: AsyncConnection, *, low: int | None = None, high: int | None = None, batch_size: int = 10_000
) -> AsyncIterator[Sequence[Any]]:
    """Events in ``seq`` order (within ``low``..``high`` when given), as batches of plain tuples in
    ``CHAIN_COLUMN_NAMES`` order; ``at`` comes as canonical text, JSON columns as their stored text.

    The statement is built with SQLAlchemy but fetched through the driver's own cursor: at a million
    rows, SQLAlchemy's per-row result processing cost as much as hashing the row.
    """
    stmt = _chain_select(conn.dialect.name)
    if low is not None:
        stmt = stmt.where(AuditEvent.seq >= low)
    if high is not None:
        stmt = stmt.where(AuditEvent.seq <= high)
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    if conn.dialect.name == "postgresql":
        await conn.execute(select(1))  # make sure the snapshot transaction is open on this connection
        pg_cursor = await driver.cursor(sql)
        while records := await pg_cursor.fetch(batch_size):
            yield records
        return
    cursor = await driver.execute(sql)
    try:
        while rows := await cursor.fetchmany(batch_size):
            yield rows
    finally:
        await cursor.close()


# The verifier's fast streams (server.audit.verify). Their SQL is plain text because the verifier's worker
# processes run it without SQLAlchemy; the names are the model's columns, the numbers the caller's ints.
_TABLE = AuditEvent.__tablename__

# Hash, then the hashed fields in canonical (sorted) key order.
COPY_COLUMN_NAMES: tuple[str, ...] = ("hash", *sorted(HASHED_FIELDS))

# Run in the streaming transaction before ``chain_copy_sql``: the verifier parses ``at`` as ISO text in UTC.
PG_STREAM_SETTINGS = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'"


# What the verifier's fast path takes each column's text for, where it embeds the text unquoted (or,
# for ``at``, unchecked): the casts are no-ops for the columns as migrated, and make a column retyped to
# text fail the stream rather than hand over anything else.
_PG_CASTS = {
    **{name: f"coalesce({name}::json::text, 'null')" for name in JSON_COLUMNS},
    "request_id": "coalesce(request_id::bigint::text, 'null')",
    "at": "at::timestamptz",
    "seq": "seq::bigint",
}


def chain_copy_sql(low: int, high: int) -> str:
    """``COPY (<this>) TO STDOUT`` (text format) streams events ``low``..``high`` in seq order, one line each.

    Columns are ``COPY_COLUMN_NAMES`` and an empty one, so that every line ends in a tab: the stored
    values as the server prints them, so the server does no more than for a plain ``SELECT *`` (``at``
    as ``YYYY-MM-DD HH:MM:SS.ffffff+00`` under ``PG_STREAM_SETTINGS``, JSON columns as their stored
    text). A NULL JSON column or request_id is printed ``null``, its canonical form; a NULL string
    is COPY's ``\\N``.
    """
    columns = [_PG_CASTS.get(name, name) for name in COPY_COLUMN_NAMES]
    return f"SELECT {', '.join(columns)}, '' FROM {_TABLE} WHERE seq BETWEEN {int(low)} AND {int(high)} ORDER BY seq"


def _sqlite_at(column: str) -> str:
    return f"replace(CAST({column} AS TEXT), ' ', 'T') || 'Z'"  # as _canonical_at("sqlite")


def chain_rows_sql() -> str:
    """SQLite: events ``?``..``?`` in seq order as ``COPY_COLUMN_NAMES`` (``at`` as in ``stream_chain``), then
    1 when every JSON column is NULL or valid JSON (the verifier embeds their text only then), else 0."""
    columns = [_sqlite_at(name) if name == "at" else name for name in COPY_COLUMN_NAMES]
    valid = " AND ".join(f"({name} IS NULL OR json_valid({name}))" for name in sorted(JSON_COLUMNS))
    return f"SELECT {', '.join(columns)}, {valid} FROM {_TABLE} WHERE seq BETWEEN ? AND ? ORDER BY seq"


async def events_of_requests(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each request's trail, oldest first, for a page of requests in one statement."""
    out: dict[int, list[Row[Any]]] = {}
    if not request_ids:
        return out
    table = AuditEvent.__table__
    stmt = select(table).where(AuditEvent.request_id.in_(sorted(set(request_ids)))).order_by(AuditEvent.seq)
    for row in (await session.execute(stmt)).all():
        out.setdefault(row.request_id, []).append(row)
    return out
