"""Registering an employee into a position: who may (the unit's HR operator for a position of their unit, BKD
anywhere), and the seat it takes.

The policy has always let ``unit_hr`` register employees, but the command asked it about a province-level
object (no unit), which only a province-wide grant covers: a unit's HR operator was refused everywhere.
A registration now names the position the employee joins; its unit is where the permission is decided.
Without a position only a province-wide grant (BKD) covers it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.viewer import Viewer
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Assignment, Employee, Position, Unit
from server.registry import queries as registry
from server.rules import rules_for
from workflows import facts
from workflows.position_guards import capacity

VACANCY_RULE = "placement.vacancy"


def _refused(viewer: Viewer, error: UserError, nip: str, reason: str | None = None) -> AuditedRefusal:
    return AuditedRefusal.of(
        viewer, error, action="employee.register.refused", entity_type="employee", entity_id=nip, reason=reason
    )


async def authorize_registration(
    session: AsyncSession, viewer: Viewer, nip: str, position_code: str | None
) -> Position | None:
    """The position ``nip`` is registered into (None: none given) once the viewer may register there. A position
    the viewer may not even read answers like a code that does not exist."""
    unknown = UserError(ErrorCode.NOT_FOUND, f"no position has code {position_code!r}", "positionCode")
    position = await registry.position_by_code(session, position_code) if position_code is not None else None
    if position_code is not None and position is None:
        raise _refused(viewer, unknown, nip, "no such position")
    unit = await session.get(Unit, position.unit_id) if position is not None else None
    path, code = (unit.path, unit.code) if unit is not None else (None, None)
    decision = decide(viewer, obj="employee", action="register", unit_path=path, unit_code=code)
    if decision.allowed:
        return position
    if position is not None and not decide(viewer, obj="position", action="read", unit_path=path).allowed:
        raise _refused(viewer, unknown, nip, "position outside the viewer's scope")
    reason = decision.reason
    if position is None and viewer.roles & {"unit_hr"}:
        reason += "; give positionCode, a position of your unit the employee joins"
    raise _refused(viewer, UserError(ErrorCode.FORBIDDEN, reason), nip)


async def refuse_full(session: AsyncSession, position: Position, since: dt.date) -> None:
    """A registration takes a seat: refused when the holders and decided requests fill the position."""
    rule = rules_for(VACANCY_RULE, since)
    slot = await facts.ask(session, facts.SlotOf(position.id, since, None))
    seats = capacity(position, rule)
    taken = len(slot.holders) + slot.pending
    if taken >= seats:
        message = (
            f"positionCode {position.code} has {seats} seat(s), all taken on {since} ({len(slot.holders)} holder(s), "
            f"{slot.pending} decided request(s)); register the employee into a vacant position"
        )
        raise CommandRefused(validation("positionCode", message, rule))


async def assign(session: AsyncSession, employee: Employee, position: Position, since: dt.date) -> None:
    session.add(
        Assignment(
            employee_id=employee.id,
            position_id=position.id,
            start_date=since,
            end_date=None,
            kind="definitive",
            managerial=position.managerial,
        )
    )
    await session.flush()
