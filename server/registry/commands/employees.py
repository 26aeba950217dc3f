"""Registering an employee (``registerEmployee``), into a position or none.

Who may: the unit's HR operator for a position of their unit, BKD anywhere. The policy has always let
``unit_hr`` register employees, but the command once asked it about a province-level object (no unit), which
only a province-wide grant covers: a unit's HR operator was refused everywhere. A registration now names the
position the employee joins; its unit is where the permission is decided. Without a position only a
province-wide grant (BKD) covers it. The registration takes a seat: refused when the position is full.

One transaction (authorize, validate, write, audit); every bad input is answered with a sentence naming the
field and the value. The rules a record must satisfy live in ``server.registry.validation``, shared with
``asnflow import``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor
from server.commands import CommandResult
from server.db import Database
from server.domain import nip as nips
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Assignment, Employee, Position, RankHistory, Unit
from server.registry import queries as registry
from server.registry.commands import common
from server.registry.quotas import capacity
from server.registry.validation import EmployeeInput, employee_problems
from server.rules import rules_for

VACANCY_RULE = "placement.vacancy"


def _refused(actor: Actor, error: UserError, nip: str, reason: str | None = None) -> AuditedRefusal:
    return AuditedRefusal.of(
        actor, error, action="employee.register.refused", entity_type="employee", entity_id=nip, reason=reason
    )


async def _authorize(session: AsyncSession, actor: Actor, nip: str, position_code: str | None) -> Position | None:
    """The position ``nip`` is registered into (None: none given) once the actor may register there. A position
    the actor may not even read answers like a code that does not exist."""
    unknown = UserError(ErrorCode.NOT_FOUND, f"no position has code {position_code!r}", "positionCode")
    position = await registry.position_by_code(session, position_code) if position_code is not None else None
    if position_code is not None and position is None:
        raise _refused(actor, unknown, nip, "no such position")
    unit = await session.get(Unit, position.unit_id) if position is not None else None
    path, code = (unit.path, unit.code) if unit is not None else (None, None)
    verdict = actor.may("employee", "register", unit_path=path, unit_code=code)
    if verdict.allowed:
        return position
    if position is not None and not actor.may("position", "read", unit_path=path).allowed:
        raise _refused(actor, unknown, nip, "position outside the viewer's scope")
    reason = verdict.reason
    if position is None and actor.roles & {"unit_hr"}:
        reason += "; give positionCode, a position of your unit the employee joins"
    raise _refused(actor, UserError(ErrorCode.FORBIDDEN, reason), nip)


async def _refuse_full(session: AsyncSession, seats: common.SeatsTaken, position: Position, since: dt.date) -> None:
    """A registration takes a seat: refused when the holders and decided requests fill the position."""
    rule = rules_for(VACANCY_RULE, since)
    taken = await seats(session, position.id, since)
    room = capacity(position, rule)
    if taken.taken >= room:
        message = (
            f"positionCode {position.code} has {room} seat(s), all taken on {since} ({taken.holders} holder(s), "
            f"{taken.pending} decided request(s)); register the employee into a vacant position"
        )
        raise CommandRefused(validation("positionCode", message, rule))


async def register_employee(
    db: Database,
    actor: Actor,
    data: EmployeeInput,
    *,
    seats: common.SeatsTaken,
    today: dt.date | None = None,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Register ``data`` (into its position, taking one of the ``seats``) through the shared write path."""
    day = today or dt.date.today()
    normalized = EmployeeInput(**{**data.__dict__, "nip": nips.normalize(data.nip), "name": data.name.strip()})

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        post = await _authorize(s, actor, normalized.nip, normalized.position_code)
        errors = [validation(p.field, p.message) for p in employee_problems(normalized, day)]
        since = normalized.position_since or day
        if post is not None and since <= normalized.birth_date:
            errors.append(validation("positionSince", f"positionSince {since} is not after the birth date"))
        if errors:
            raise CommandRefused(*errors)
        if await registry.employee_by_nip(s, normalized.nip) is not None:
            raise CommandRefused(validation("nip", f"NIP {nips.format_nip(normalized.nip)} is already registered"))
        if post is not None:
            await _refuse_full(s, seats, post, since)
        row = await _insert_employee(s, normalized)
        after = _employee_fields(row)
        if post is not None:
            await _assign(s, row, post, since)
            after |= {"positionCode": post.code, "positionSince": since}
        return row.id, [common.event(actor, "employee.registered", "employee", row.nip, after=after)]

    return await common.run(db, actor, "registerEmployee", normalized.__dict__, idempotency_key, body)


async def _insert_employee(s: AsyncSession, data: EmployeeInput) -> Employee:
    row = Employee(
        nip=data.nip,
        name=data.name,
        birth_date=data.birth_date,
        gender=data.gender,
        employment_type=data.employment_type,
        education=data.education,
        rank_code=data.rank_code,
        rank_since=data.rank_since,
        status="active",
    )
    s.add(row)
    await s.flush()
    if data.rank_code is not None and data.rank_since is not None:
        s.add(RankHistory(employee_id=row.id, rank_code=data.rank_code, tmt=data.rank_since, decree_no=None))
        await s.flush()
    return row


def _employee_fields(row: Employee) -> dict[str, object]:
    return {
        "nip": row.nip,
        "name": row.name,
        "birthDate": row.birth_date,
        "gender": row.gender,
        "employmentType": row.employment_type,
        "education": row.education,
        "rankCode": row.rank_code,
        "rankSince": row.rank_since,
    }


async def _assign(session: AsyncSession, employee: Employee, position: Position, since: dt.date) -> None:
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
