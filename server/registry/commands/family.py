"""Declaring a family tie between two civil servants: the facts the conflict-of-interest guard reads.

The employee declares their own relatives (or the unit's HR operator, or BKD, enters them), through the
write path: one transaction, idempotency, audited refusals.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor
from server.clock import today_in_jakarta
from server.commands import CommandResult
from server.db import Database
from server.domain.nip import normalize
from server.errors import CommandRefused, validation
from server.models import FamilyRelation
from server.models.people import FAMILY_KINDS
from server.registry import queries as registry
from server.registry.commands import common


async def declare_family_relation(
    db: Database,
    actor: Actor,
    *,
    employee_nip: str,
    relative_nip: str,
    kind: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Record that ``employee_nip`` declared ``relative_nip`` as their ``kind``; answers the tie's id. A subject
    the actor may neither declare for nor read answers like a NIP that does not exist; both are audited."""
    day = today or today_in_jakarta()

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        refused = "employee.relation.refused"
        subject = await common.subject(
            session, actor, employee_nip, "declare_relation", day, refused=refused, who="declarer"
        )
        if kind not in FAMILY_KINDS:
            raise CommandRefused(validation("kind", f"kind {kind!r} is not one of {', '.join(FAMILY_KINDS)}"))
        relative = await common.known_employee(session, relative_nip, "relativeNip")
        if relative.id == subject.id:
            raise CommandRefused(validation("relativeNip", f"{subject.name} cannot be their own relative"))
        existing = await registry.family_tie(session, subject.id, relative.id)
        if existing is not None:
            message = f"{subject.name} and {relative.name} are already declared related ({existing})"
            raise CommandRefused(validation("relativeNip", message))
        tie = FamilyRelation(employee_id=subject.id, relative_id=relative.id, kind=kind, declared_on=day)
        session.add(tie)
        await session.flush()
        after = {"relative": relative.nip, "kind": kind, "declared_on": day}
        return tie.id, [common.event(actor, "employee.relation_declared", "employee", subject.nip, after=after)]

    payload = {"employeeNip": normalize(employee_nip), "relativeNip": normalize(relative_nip), "kind": kind}
    return await common.run(db, actor, "declareFamilyRelation", payload, idempotency_key, body)
