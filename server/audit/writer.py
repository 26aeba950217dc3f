"""The one audit writer: appends events to the chain inside the caller's transaction.

The chain head row is locked first (``FOR UPDATE`` on PostgreSQL; on SQLite the write transaction
already holds the database's write lock from ``BEGIN IMMEDIATE``), so concurrent writers produce one
linear chain with no gaps. Callers append last in their transaction, just before commit, to hold
the head lock for as short a time as possible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server import request_context
from server.audit.chain import event_hash, to_json_value
from server.models import AuditEvent, AuditHead


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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def append(session: AsyncSession, entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    """Append ``entries`` in order; returns the stored rows as dicts (seq and hash included)."""
    if not entries:
        return []
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"
    head = (await session.execute(_HEAD_LOCKED if postgres else _HEAD)).one()
    seq, prev = int(head.seq), str(head.hash)
    correlation = request_context.correlation_id.get()
    at = _now()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "at": at,
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
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(row)
        rows.append(row)
    await session.execute(_INSERT, rows)
    await session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev})
    return rows
