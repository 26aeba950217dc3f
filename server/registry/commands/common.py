"""What the registry's commands share: the audit event, the audited refusals, the subject looked up by NIP
once the actor may act on them, and the call into the write path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor, Verdict
from server.commands import Body, CommandResult, run_command
from server.db import Database
from server.domain.nip import normalize
from server.errors import AuditedRefusal, Caller, CommandRefused, ErrorCode, UserError
from server.models import Employee
from server.registry import queries as registry


@dataclass(frozen=True)
class Seats:
    """The seats of a position taken on a day: its definitive holders, and requests decided into it that
    wait to take effect (they hold their seats)."""

    holders: int
    pending: int

    @property
    def taken(self) -> int:
        return self.holders + self.pending


class SeatsTaken(Protocol):
    """Counts ``Seats``; which decided requests hold a seat is the workflows' knowledge
    (``workflows.seats.seats_taken``), so the schema layer passes it in."""

    async def __call__(self, session: AsyncSession, position_id: int, on: dt.date) -> Seats: ...


def event(
    actor: Caller, action: str, entity_type: str, entity_id: str, *, after: Any, before: Any = None
) -> AuditEntry:
    """The audit event of a change ``actor`` made to ``entity_type`` ``entity_id``."""
    return AuditEntry(
        actor=str(actor.user_id),
        actor_roles=sorted(actor.roles),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


def require(actor: Caller, verdict: Verdict, refused: str, entity_type: str, entity_id: str) -> None:
    """Go on if ``verdict`` allows; else FORBIDDEN with its reason, audited as ``refused`` on the entity."""
    if not verdict.allowed:
        error = UserError(ErrorCode.FORBIDDEN, verdict.reason)
        raise AuditedRefusal.of(actor, error, action=refused, entity_type=entity_type, entity_id=entity_id)


def unknown_employee(nip: str, field: str = "employeeNip") -> UserError:
    return UserError(ErrorCode.NOT_FOUND, f"no employee has NIP {normalize(nip)}", field)


async def known_employee(session: AsyncSession, nip: str, field: str) -> Employee:
    """The employee ``nip`` names (one the command refers to, not acts on); NOT_FOUND naming ``field``."""
    found = await registry.employee_by_nip(session, nip)
    if found is None:
        raise CommandRefused(unknown_employee(nip, field))
    return found


async def subject(
    session: AsyncSession,
    actor: Actor,
    nip: str,
    action: str,
    day: dt.date,
    *,
    refused: str,
    unknown: UserError | None = None,
    who: str = "viewer",
) -> Employee:
    """The employee ``nip`` once ``actor`` may ``action`` them; refusals are audited as ``refused``. Refused and
    unable to read them, the actor hears what an unknown NIP (or ``unknown``) says; the audit event says why
    (outside the ``who``'s scope)."""
    not_found = unknown or unknown_employee(nip)

    def refusal(error: UserError, entity_id: str, reason: str | None = None) -> AuditedRefusal:
        return AuditedRefusal.of(
            actor, error, action=refused, entity_type="employee", entity_id=entity_id, reason=reason
        )

    found = await registry.employee_by_nip(session, nip)
    if found is None:
        raise refusal(not_found, normalize(nip), "no employee has this NIP")
    verdict = await actor.may_on(session, found, action, day)
    if verdict.hidden:
        raise refusal(not_found, normalize(nip), f"outside the {who}'s scope")
    if not verdict.allowed:
        raise refusal(UserError(ErrorCode.FORBIDDEN, verdict.reason), found.nip)
    return found


async def run(
    db: Database, actor: Caller, command: str, payload: dict[str, Any], idempotency_key: str | None, body: Body
) -> CommandResult:
    """``body`` as ``command`` through the write path."""
    return await run_command(db, actor, command=command, payload=payload, idempotency_key=idempotency_key, body=body)
