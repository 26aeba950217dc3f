"""The one audit writer: appends events to the chain inside the caller's transaction.

Concurrent writers produce one linear chain with no gaps because each holds the chain head row
(``audit_head``, id 1) from reading it until its transaction ends. Callers append last in their
transaction, just before commit, to hold it for as short a time as possible.

On PostgreSQL an append, of one event or several, is ONE statement (``_APPEND_SQL``): it locks the
head (``FOR UPDATE``), reads the clock, computes each event's seq and SHA-256 hash in the server
(``sha256(bytea)``), inserts the events and moves the head. The lock is then held across one gap
(statement result to ``COMMIT``) instead of three or four round trips, between each of which the
holder waited for its process's event loop to come back to it while the other writers queued on
the lock. What is hashed is still ``encoding.canonical``: Python encodes each event with markers in
place of ``at``, ``prev_hash`` and ``seq`` (which only the server knows) and cuts the bytes at the
markers; the statement puts the server's values between the pieces and hashes the whole. An event
in which a marker also turns up elsewhere (it would have to be guessed: the markers are random per
process) is appended by the Python path instead.

A command taken in one statement (``server.one_statement``) sends its write as CTEs ahead of the append
(``after``): the head is locked and the events appended only if that write was made, and PostgreSQL commits
the statement by itself, so the head is held from its lock to the commit inside the statement.

The statement also sends the transaction's notifications (``notify``: channel and payload, which
PostgreSQL delivers at commit and drops on rollback; ``server.events.append_announced``), so announcing the
requests a command changed costs no round trip of its own.

The Python path, SQLite's: read the head (on SQLite the write transaction already holds the
database's write lock from ``BEGIN IMMEDIATE``; on PostgreSQL ``FOR UPDATE``), hash here, insert the
events, move the head.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from server import request_context
from server.audit.encoding import canonical_pieces, event_hash
from server.clock import utcnow
from server.driver import fetch, kept
from server.models import AuditEvent, AuditHead
from server.one_statement import DeferredWrite, NeedsTransaction
from server.sql import is_postgres


@dataclass(frozen=True)
class AuditEntry:
    """What happened; the writer adds seq, time, correlation id and the hashes."""

    actor: str
    action: str
    entity_type: str
    entity_id: str
    on_behalf_of: str | None = None
    actor_roles: Sequence[str] = ()
    request_id: int | None = None
    from_state: str | None = None
    to_state: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    comment: str | None = None
    definition_version: str | None = None
    rule_versions: Mapping[str, str] | None = field(default=None)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# Built once: the writer runs in every command, and rebuilding these cost more than executing them.
_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditHead.__table__)
_INSERT = insert(_EVENTS)
_MOVE_HEAD = update(_HEADS).where(_HEADS.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))

# The event fields the caller supplies, in the order of the statement's arrays; JSON ones are bound as
# ``json[]`` through the engine's JSON serializer, so they are stored exactly as the ORM stores them.
_TEXT_FIELDS = (
    "actor",
    "on_behalf_of",
    "action",
    "entity_type",
    "entity_id",
    "correlation_id",
    "from_state",
    "to_state",
    "comment",
    "definition_version",
)
_JSON_FIELDS = ("actor_roles", "before", "after", "rule_versions")
_ENTRY_FIELDS = (*_TEXT_FIELDS, "request_id", *_JSON_FIELDS)

# One statement, read committed: ``head`` waits for the lock and then returns the newest head row; the
# UPDATE starts from the row its snapshot saw, finds it updated, and follows it to that same newest
# version (which this statement has locked), so it moves the row ``head`` read.
# ``stamp`` reads the clock from the locked row, i.e. after the lock: ``at`` grows with ``seq``.
# ``chain`` hashes entry i from entry i-1's seq and hash (i = 0 is the head).
# ``{prelude}`` and ``{gate}``: a command's deferred write (``server.one_statement``) runs first, and the head is
# locked, and the events appended, only if its gate CTE returned a row (empty otherwise: nothing appended).
_APPEND_SQL = """
WITH RECURSIVE
{prelude}head AS MATERIALIZED (
    SELECT seq, hash FROM audit_head WHERE id = 1{gate} FOR UPDATE
),
stamp AS MATERIALIZED (
    SELECT clock_timestamp() AS at FROM head
),
entry AS (
    SELECT * FROM unnest(
        CAST(:p0 AS bytea[]), CAST(:p1 AS bytea[]), CAST(:p2 AS bytea[]), CAST(:p3 AS bytea[]),
        {text_arrays},
        CAST(:request_id AS integer[]),
        {json_arrays}
    ) WITH ORDINALITY AS e(p0, p1, p2, p3, {entry_fields}, i)
),
chain (i, seq, prev_hash, hash) AS (
    SELECT CAST(0 AS bigint), seq, CAST(NULL AS text), CAST(hash AS text) FROM head
    UNION ALL
    SELECT e.i, c.seq + 1, c.hash, encode(sha256(
        e.p0 || convert_to(to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8')
        || e.p1 || convert_to(c.hash, 'UTF8')
        || e.p2 || convert_to(CAST(c.seq + 1 AS text), 'UTF8')
        || e.p3
    ), 'hex')
    FROM chain AS c JOIN entry AS e ON e.i = c.i + 1 CROSS JOIN stamp AS s
),
ins AS (
    INSERT INTO audit_events (seq, at, {entry_fields}, prev_hash, hash)
    SELECT c.seq, s.at, {entry_values}, c.prev_hash, c.hash
    FROM chain AS c JOIN entry AS e ON e.i = c.i CROSS JOIN stamp AS s
    RETURNING seq, at, prev_hash, hash
),
moved AS (
    UPDATE audit_head SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM ins ORDER BY seq DESC LIMIT 1) AS last
    WHERE audit_head.id = 1
),
notified AS (
    SELECT pg_notify(n.channel, n.payload)
    FROM unnest(CAST(:notify_channels AS text[]), CAST(:notify_payloads AS text[])) AS n(channel, payload)
)
SELECT seq, at, prev_hash, hash, (SELECT count(*) FROM notified) AS notified FROM ins ORDER BY seq
"""
_FIELDS = {
    "text_arrays": ", ".join(f"CAST(:{name} AS text[])" for name in _TEXT_FIELDS),
    "json_arrays": ", ".join(f"CAST(:{name} AS json[])" for name in _JSON_FIELDS),
    "entry_fields": ", ".join(_ENTRY_FIELDS),
    "entry_values": ", ".join(f"e.{name}" for name in _ENTRY_FIELDS),
}


def _append_statement(after: DeferredWrite | None) -> Any:
    """The append's statement, alone or after a deferred write (its CTEs first, the head gated on its gate)."""
    prelude, gate = ("", "") if after is None else (f"{after.ctes},\n", f" AND EXISTS (SELECT FROM {after.gate})")
    return (
        text(_APPEND_SQL.format(prelude=prelude, gate=gate, **_FIELDS))
        .bindparams(
            *(bindparam(name, type_=ARRAY(JSON, dimensions=1)) for name in _JSON_FIELDS),
            *(after.binds if after is not None else ()),
        )
        .columns(seq=BigInteger(), at=DateTime(timezone=True), prev_hash=String(), hash=String(), notified=BigInteger())
    )


_APPEND = _append_statement(None)
_NOTIFY = select(func.pg_notify(bindparam("channel", type_=String()), bindparam("payload", type_=String())))


def to_json_value(value: Any) -> Any:
    """Turn dates, decimals and the like into plain JSON values, so what is hashed is what is stored."""
    if value is None:
        return None
    return orjson.loads(orjson.dumps(value, default=str))


def _row(entry: AuditEntry, correlation: str | None) -> dict[str, Any]:
    return {
        "seq": None,
        "at": None,
        "actor": entry.actor,
        "on_behalf_of": entry.on_behalf_of,
        "actor_roles": sorted(set(entry.actor_roles)),
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "request_id": entry.request_id,
        "correlation_id": correlation,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "before": to_json_value(dict(entry.before)) if entry.before is not None else None,
        "after": to_json_value(dict(entry.after)) if entry.after is not None else None,
        "comment": entry.comment,
        "definition_version": entry.definition_version,
        "rule_versions": dict(entry.rule_versions) if entry.rule_versions is not None else None,
        "prev_hash": None,
    }


async def append(
    session: AsyncSession,
    entries: Sequence[AuditEntry],
    *,
    notify: Sequence[tuple[str, str]] = (),
    after: DeferredWrite | None = None,
) -> list[dict[str, Any]]:
    """Append ``entries`` in order; returns the stored rows as dicts (seq and hash included).

    ``notify``: PostgreSQL notifications (channel, payload) to send in the same transaction, with the
    append's statement (on SQLite there are none: ``server.events`` publishes after commit itself).
    ``after``: a command's deferred write (``server.one_statement``, PostgreSQL), sent in the same statement
    before the append; the entries are appended (and the notifications sent) only if it was made, and ``[]``
    is returned when it was not (its gate returned no row: nothing was stored at all)."""
    if not entries:
        return []
    correlation = request_context.correlation_id.get()
    rows = [_row(entry, correlation) for entry in entries]
    if after is not None and not is_postgres(session):
        raise NeedsTransaction("a deferred write on SQLite")
    if is_postgres(session):
        pieces = [canonical_pieces(row) for row in rows]
        if all(p is not None for p in pieces):
            return await _append_in_server(
                session, rows, cast(list[tuple[bytes, bytes, bytes, bytes]], pieces), notify, after
            )
        if after is not None:
            raise NeedsTransaction("an event the server cannot hash")  # the Python path needs the transaction
        await send_notifications(session, notify)
        return await _append_here(session, rows, _HEAD_LOCKED)
    return await _append_here(session, rows, _HEAD)


async def send_notifications(session: AsyncSession, notify: Iterable[tuple[str, str]]) -> None:
    """PostgreSQL notifications (channel, payload) sent in the session's transaction, each by itself: delivered at
    commit, dropped on rollback."""
    for channel, payload in notify:
        await fetch(session, _NOTIFY, {"channel": channel, "payload": payload}, in_transaction=True)


async def _append_in_server(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    pieces: list[tuple[bytes, bytes, bytes, bytes]],
    notify: Sequence[tuple[str, str]],
    after: DeferredWrite | None,
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {f"p{k}": [p[k] for p in pieces] for k in range(4)}
    for name in _ENTRY_FIELDS:
        params[name] = [row[name] for row in rows]
    params["notify_channels"] = [channel for channel, _ in notify]
    params["notify_payloads"] = [payload for _, payload in notify]
    if after is None:
        stored = await fetch(session, _APPEND, params, in_transaction=True)
    else:
        if clash := after.params.keys() & params.keys():
            raise ValueError(f"the deferred write's parameters {sorted(clash)} are the append's own")
        statement = kept(("audit append after", after.ctes), lambda: _append_statement(after))
        stored = await fetch(session, statement, {**after.params, **params})
        if not stored:
            return []
    if len(stored) != len(rows):
        raise RuntimeError("the audit chain head (audit_head, id 1) is missing: run `asnflow migrate`")
    for row, (seq, at, prev_hash, hash_, _) in zip(rows, stored, strict=True):
        row["seq"], row["at"], row["prev_hash"], row["hash"] = seq, at, prev_hash, hash_
    return rows


async def _append_here(session: AsyncSession, rows: list[dict[str, Any]], head_query: Any) -> list[dict[str, Any]]:
    head = (await session.execute(head_query)).one()
    seq, prev = int(head.seq), str(head.hash)
    at = utcnow()
    for row in rows:
        seq += 1
        row["seq"], row["at"], row["prev_hash"] = seq, at, prev
        row["hash"] = prev = event_hash(row)
    await session.execute(_INSERT, rows)
    await session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})
    return rows
