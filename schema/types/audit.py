"""``AuditEvent`` and ``AuditVerification`` (API.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.types.node import Node


@strawberry.type
class AuditEvent(Node):
    seq: int
    at: dt.datetime
    actor: str
    on_behalf_of: str | None
    actor_roles: list[str]
    action: str
    entity_type: str
    entity_id: str
    request_id: strawberry.ID | None
    correlation_id: str | None
    from_state: str | None
    to_state: str | None
    comment: str | None
    before: JSON | None
    after: JSON | None
    definition_version: str | None
    rule_versions: JSON | None
    prev_hash: str
    hash: str

    def node_key(self) -> str:
        return str(self.seq)

    @classmethod
    def of(cls, row: Any) -> AuditEvent:
        at: dt.datetime = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
        return cls(
            seq=row.seq,
            at=at,
            actor=row.actor,
            on_behalf_of=row.on_behalf_of,
            actor_roles=list(row.actor_roles or []),
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            request_id=strawberry.ID(str(row.request_id)) if row.request_id is not None else None,
            correlation_id=row.correlation_id,
            from_state=row.from_state,
            to_state=row.to_state,
            comment=row.comment,
            before=row.before,
            after=row.after,
            definition_version=row.definition_version,
            rule_versions=row.rule_versions,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )


@strawberry.type
class AuditVerification:
    ok: bool
    checked_events: int
    first_broken_seq: int | None
    head_hash: str
    problem: str | None
    explanation: str
    last_intact_seq: int | None = strawberry.field(
        default=None,
        description="For a rewrite seen only at the signed checkpoints: the newest checkpointed event that still "
        "holds (0: none), so the first rewritten event lies after it and at or before firstBrokenSeq.",
    )
    hashed_events: int | None = None
