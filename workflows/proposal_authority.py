"""Who may propose what about whom, decided before any check that speaks of the subject.

DESIGN.md: authorize, then validate. A proposal names its subject by NIP, so a proposal could be used to
probe the registry: whether a NIP exists, whose it is, where they work, which requests they have open. So
the subject is found and the proposer's authority decided first. A subject the viewer may neither propose
about nor read is answered exactly like a NIP that does not exist (same code, field and words; no name,
no request id, no unit); both refusals are audited, and only the audit log (read by auditors) says which
it was. A viewer who may read the subject but not propose is told why (FORBIDDEN, audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from policies import reach
from policies.relations import relations_to
from policies.scope import request_scope
from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.domain.nip import normalize
from server.errors import AuditedRefusal, ErrorCode, UserError
from server.models import Employee, Position
from server.registry import queries as registry
from workflows import authorize, catalog, repository
from workflows.authorize import Standing, UnitRef
from workflows.definition import ActorSpec
from workflows.loading import unit_map
from workflows.steps import StepActor


@dataclass(frozen=True)
class Authority:
    """Who the proposal is about, their post today, the request's units, and the capacity the viewer proposes in."""

    subject: Employee
    position: Position | None
    current: Position | None
    units: dict[str, UnitRef]
    standing: Standing
    capacity: ActorSpec | None


async def authority_to_propose(
    session: AsyncSession, viewer: Viewer, kind: str, nip: str, position: Position | None, today: dt.date
) -> Authority:
    """The subject (locked, so that two proposals about one person queue up and the "one unfinished request
    of a kind" checks see each other) and the viewer's authority to propose ``kind`` about them.

    Refused and unable to read the subject, the viewer is told what a NIP that does not exist tells: the
    refusal's reason would name the subject's unit, and the checks after it their name and requests.
    """
    definition = catalog.current(kind)
    who = StepActor(str(viewer.user_id), sorted(viewer.roles))
    subject = await registry.employee_by_nip(session, nip, lock=True)
    if subject is None:
        raise _unknown_subject(who, kind, nip, definition.version, "no employee has this NIP")
    current = await registry.current_position(session, subject.id, today)
    request_unit = position.unit_id if position else (current.unit_id if current else None)
    origin_unit = current.unit_id if current else None
    units = unit_map(await repository.unit_refs(session, [request_unit, origin_unit]), request_unit, origin_unit)
    relations = await relations_to(session, viewer, subject.id, today)
    standing = Standing(relations=relations, units=units, proposed_by=str(viewer.user_id), proposer=viewer.person)
    capacity, refusal = authorize.check_proposal(definition, viewer, standing)
    if refusal is not None:
        if not await reach.person_in_scope(session, viewer, subject, relations, today):
            raise _unknown_subject(who, kind, nip, definition.version, "outside the proposer's scope")
        error = UserError(ErrorCode.FORBIDDEN, f"{refusal.reason} (rule {refusal.rule})")
        raise AuditedRefusal(refusal_entry(who, kind, subject.nip, definition.version, [error], [refusal.rule]), error)
    return Authority(subject, position, current, units, standing, capacity)


async def authority_over_position(
    session: AsyncSession, viewer: Viewer, kind: str, position: Position, today: dt.date
) -> Authority:
    """The viewer's authority to propose ``kind`` about ``position`` (a formasi change), and the subject such a
    request records: the proposer's own employee record (they answer for the workload figures;
    docs/decisions.md, "Formasi requests"). The request's unit and origin unit are the position's unit, so its
    officials route and read it (``policies.read.request_clause``).

    Refused and unable to read the unit's requests, the viewer is told what an unknown position code tells
    (the same words); refused but able to read them, they are told why (FORBIDDEN). Both are audited."""
    definition = catalog.current(kind)
    who = StepActor(str(viewer.user_id), sorted(viewer.roles))
    units = unit_map(await repository.unit_refs(session, [position.unit_id]), position.unit_id, position.unit_id)
    standing = Standing(relations=frozenset(), units=units, proposed_by=str(viewer.user_id), proposer=viewer.person)
    capacity, refusal = authorize.check_proposal(definition, viewer, standing)
    if refusal is not None:
        unit = units.get("request")
        if not request_scope(viewer).covers(unit.path if unit else None):
            error = UserError(ErrorCode.NOT_FOUND, f"no position has code {position.code!r}", "positionCode")
            raise _on_position(who, kind, position.code, definition.version, error, [], "outside the proposer's scope")
        error = UserError(ErrorCode.FORBIDDEN, f"{refusal.reason} (rule {refusal.rule})", "positionCode")
        raise _on_position(who, kind, position.code, definition.version, error, [refusal.rule])
    found = await registry.employees_by_id(session, [viewer.employee_id] if viewer.employee_id is not None else [])
    subject = found.get(viewer.employee_id) if viewer.employee_id is not None else None
    if subject is None:
        error = UserError(
            ErrorCode.FORBIDDEN,
            f"a {kind.lower().replace('_', ' ')} request about {position.code} records as its subject the official "
            "who proposes it and answers for the workload figures, and your account has no employee record",
            "positionCode",
        )
        raise _on_position(who, kind, position.code, definition.version, error, ["proposer_has_employee_record"])
    return Authority(subject, position, None, units, standing, capacity)


def _on_position(
    who: StepActor, kind: str, code: str, version: str, error: UserError, rules: list[str], why: str | None = None
) -> AuditedRefusal:
    """A refused proposal about a position, audited on the position (``why``: what only auditors read)."""
    entry = refusal_entry(who, kind, code, version, [error], rules)
    after = {**(entry.after or {}), **({"reason": why} if why else {})}
    return AuditedRefusal(replace(entry, entity_type="position", after=after), error)


def _unknown_subject(who: StepActor, kind: str, nip: str, version: str, why: str) -> AuditedRefusal:
    """NOT_FOUND for ``nip``: the same answer whether no such employee exists or the viewer may not know of them
    (only the audit log, which auditors read, says which: ``after.reason``)."""
    error = UserError(ErrorCode.NOT_FOUND, f"no employee has NIP {normalize(nip)}", "employeeNip")
    entry = refusal_entry(who, kind, normalize(nip), version, [error], [])
    return AuditedRefusal(replace(entry, after={**(entry.after or {}), "reason": why}), error)


def refusal_entry(
    who: StepActor, kind: str, nip: str, version: str, errors: list[UserError], rules: list[str]
) -> AuditEntry:
    """The audit event of a refused proposal, on the employee it named (whether or not they exist)."""
    return AuditEntry(
        actor=who.user_id,
        actor_roles=who.roles,
        action="request.refused",
        entity_type="employee",
        entity_id=nip,
        comment="; ".join(e.message for e in errors),
        after={"action": "propose", "kind": kind, "code": errors[0].code.value, "rules": rules},
        definition_version=version,
    )
