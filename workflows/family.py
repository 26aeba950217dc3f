"""Declaring a family tie between two civil servants: the facts the conflict-of-interest guard reads.

The employee declares their own relatives (or the unit's HR operator, or BKD, enters them), through the
write path: one transaction, idempotency, audited refusals.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.relations import relations_to
from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.domain.nip import normalize
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Employee, FamilyRelation, Unit
from server.models.people import FAMILY_KINDS
from server.registry import queries as registry
from workflows import reach


def _unknown(nip: str, field: str) -> UserError:
    return UserError(ErrorCode.NOT_FOUND, f"no employee has NIP {normalize(nip)}", field)


async def _employee(session: AsyncSession, nip: str, field: str) -> Employee:
    found = await registry.employee_by_nip(session, nip)
    if found is None:
        raise CommandRefused(_unknown(nip, field))
    return found


def _refused(viewer: Viewer, error: UserError, nip: str, reason: str | None = None) -> AuditedRefusal:
    return AuditedRefusal.of(
        viewer, error, action="employee.relation.refused", entity_type="employee", entity_id=nip, reason=reason
    )


async def _subject(session: AsyncSession, viewer: Viewer, nip: str, day: dt.date) -> Employee:
    """The employee whose tie is declared, once the viewer is known to be allowed to declare it. A subject the
    viewer may neither declare for nor read answers like a NIP that does not exist (the refusal would name
    their unit); both are audited."""
    subject = await registry.employee_by_nip(session, nip)
    if subject is None:
        raise _refused(viewer, _unknown(nip, "employeeNip"), normalize(nip), "no employee has this NIP")
    post = await registry.current_position(session, subject.id, day)
    unit = await session.get(Unit, post.unit_id) if post is not None else None
    relations = await relations_to(session, viewer, subject.id, day)
    decision = decide(
        viewer,
        obj="employee",
        action="declare_relation",
        unit_path=unit.path if unit else None,
        relations=relations,
        unit_code=unit.code if unit else None,
    )
    if not decision.allowed:
        if not await reach.person_in_scope(session, viewer, subject, relations, day):
            error = _unknown(nip, "employeeNip")
            raise _refused(viewer, error, normalize(nip), "outside the declarer's scope")
        raise _refused(viewer, UserError(ErrorCode.FORBIDDEN, decision.reason), subject.nip)
    return subject


async def declare_family_relation(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    relative_nip: str,
    kind: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Record that ``employee_nip`` declared ``relative_nip`` as their ``kind``; answers the tie's id."""
    day = today or today_in_jakarta()

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await _subject(session, viewer, employee_nip, day)
        if kind not in FAMILY_KINDS:
            raise CommandRefused(validation("kind", f"kind {kind!r} is not one of {', '.join(FAMILY_KINDS)}"))
        relative = await _employee(session, relative_nip, "relativeNip")
        if relative.id == subject.id:
            raise CommandRefused(validation("relativeNip", f"{subject.name} cannot be their own relative"))
        existing = await registry.family_tie(session, subject.id, relative.id)
        if existing is not None:
            message = f"{subject.name} and {relative.name} are already declared related ({existing})"
            raise CommandRefused(validation("relativeNip", message))
        tie = FamilyRelation(employee_id=subject.id, relative_id=relative.id, kind=kind, declared_on=day)
        session.add(tie)
        await session.flush()
        entry = AuditEntry(
            actor=str(viewer.user_id),
            actor_roles=sorted(viewer.roles),
            action="employee.relation_declared",
            entity_type="employee",
            entity_id=subject.nip,
            after={"relative": relative.nip, "kind": kind, "declared_on": day},
        )
        return tie.id, [entry]

    payload = {"employeeNip": normalize(employee_nip), "relativeNip": normalize(relative_nip), "kind": kind}
    return await run_command(
        db, viewer, command="declareFamilyRelation", payload=payload, idempotency_key=idempotency_key, body=body
    )
