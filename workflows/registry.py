"""Registry administration commands: registering employees and creating or updating positions.

Each runs the write path in one transaction (authorize, validate, write, audit) and answers every
bad input with a sentence naming the field and the value. Nothing is written when anything fails. The
rules a record must satisfy live in server.registry.validation, shared with ``asnflow import``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.viewer import Viewer
from server.audit.writer import AuditEntry, changes
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.domain import nip as nips
from server.domain.positions import is_managerial
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Employee, Position, RankHistory, Unit
from server.registry import queries as registry
from server.registry import quotas
from server.registry.validation import EmployeeInput as EmployeeInput  # re-exported: the API builds these
from server.registry.validation import PositionInput as PositionInput
from server.registry.validation import employee_problems, position_problems
from server.rules import rules_for
from workflows import facts
from workflows import registration as placement


def _employee_errors(data: EmployeeInput, today: dt.date) -> list[UserError]:
    return [validation(p.field, p.message) for p in employee_problems(data, today)]


async def register_employee(
    db: Database,
    viewer: Viewer,
    data: EmployeeInput,
    *,
    today: dt.date | None = None,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Through the shared write path (server.commands): one transaction, idempotency, audited refusals."""
    day = today or dt.date.today()
    normalized = EmployeeInput(**{**data.__dict__, "nip": nips.normalize(data.nip), "name": data.name.strip()})

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        post = await placement.authorize_registration(s, viewer, normalized.nip, normalized.position_code)
        errors = _employee_errors(normalized, day)
        since = normalized.position_since or day
        if post is not None and since <= normalized.birth_date:
            errors.append(validation("positionSince", f"positionSince {since} is not after the birth date"))
        if errors:
            raise CommandRefused(*errors)
        if await registry.employee_by_nip(s, normalized.nip) is not None:
            raise CommandRefused(validation("nip", f"NIP {nips.format_nip(normalized.nip)} is already registered"))
        if post is not None:
            await placement.refuse_full(s, post, since)
        row = await _insert_employee(s, normalized)
        after = _employee_fields(row)
        if post is not None:
            await placement.assign(s, row, post, since)
            after |= {"positionCode": post.code, "positionSince": since}
        entry = AuditEntry(
            actor=str(viewer.user_id),
            actor_roles=sorted(viewer.roles),
            action="employee.registered",
            entity_type="employee",
            entity_id=row.nip,
            after=after,
        )
        return row.id, [entry]

    return await run_command(
        db, viewer, command="registerEmployee", payload=normalized.__dict__, idempotency_key=idempotency_key, body=body
    )


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


def _position_errors(data: PositionInput, today: dt.date) -> list[UserError]:
    return [
        validation(p.field, p.message, rules_for(p.rule, today) if p.rule else None)
        for p in position_problems(data, today)
    ]


async def _quota_error(s: AsyncSession, row: Position, quota: int, today: dt.date) -> UserError | None:
    """A quota below the seats already taken (holders today, and decided requests holding theirs) is refused:
    it would leave a decided request unable to take effect."""
    slot = await facts.ask(s, facts.SlotOf(row.id, today, None))
    taken = len(slot.holders) + slot.pending
    if quota >= taken:
        return None
    return validation(
        "quota",
        f"quota {quota} for {row.code} is below the {taken} seat(s) taken: {len(slot.holders)} holder(s) on "
        f"{today} and {slot.pending} decided request(s) waiting to take effect; end an assignment or let the "
        "decisions take effect first",
    )


REQUIRED_POSITION_FIELDS = ("title", "type", "unit_code", "quota")


@dataclass(frozen=True)
class PositionChange:
    """``upsertPosition`` as sent: ``code`` and only the fields given (``None`` in ``fields`` is an explicit
    null). An omitted field keeps its value; a new position needs title, type, unitCode and quota."""

    code: str
    fields: Mapping[str, Any]

    def merged(self, row: Position | None, unit_code: str | None) -> tuple[PositionInput, list[UserError]]:
        current: dict[str, Any] = {"code": self.code}
        if row is not None:
            current |= {
                "title": row.title,
                "type": row.type,
                "unit_code": unit_code,
                "quota": row.quota,
                "job_class": row.job_class,
                "min_education": row.min_education,
                "min_rank": row.min_rank,
                "max_rank": row.max_rank,
            }
        errors = []
        for name in REQUIRED_POSITION_FIELDS:
            camel = _camel(name)
            if name in self.fields and self.fields[name] is None:
                keep = "omit it to keep the current value" if row is not None else "give it"
                errors.append(validation(camel, f"{camel} cannot be null; {keep}"))
            elif row is None and name not in self.fields:
                errors.append(validation(camel, f"{camel} is required to create position {self.code}"))
        values = {**current, **self.fields}
        if errors:
            return PositionInput(self.code, "", "", "", 0), errors
        return PositionInput(**values), []


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def upsert_position(
    db: Database,
    viewer: Viewer,
    data: PositionInput | PositionChange,
    *,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Create or change a position through the shared write path (server.commands); a ``PositionChange``
    changes only the fields it gives."""
    day = today or today_in_jakarta()
    change = data if isinstance(data, PositionChange) else PositionChange(data.code, data.__dict__)

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        decision = decide(viewer, obj="position", action="upsert", unit_path=None)
        if not decision.allowed:
            error = UserError(ErrorCode.FORBIDDEN, decision.reason)
            raise AuditedRefusal.of(
                viewer, error, action="position.upsert.refused", entity_type="position", entity_id=change.code
            )
        row = await registry.position_by_code(s, change.code)
        current_unit = await s.get(Unit, row.unit_id) if row is not None else None
        merged, missing = change.merged(row, current_unit.code if current_unit else None)
        if missing:
            raise CommandRefused(*missing)
        errors = _position_errors(merged, day)
        unit = await registry.unit_by_code(s, merged.unit_code)
        if unit is None:
            errors.append(validation("unitCode", f"unitCode {merged.unit_code!r} is not a unit"))
        if errors:
            raise CommandRefused(*errors)
        assert unit is not None
        if row is not None and (quota_error := await _quota_error(s, row, merged.quota, day)) is not None:
            raise CommandRefused(quota_error)
        before = _position_fields(row) if row is not None else {}
        if row is not None and merged.quota != row.quota:
            await quotas.record_changes(s, {row.id: merged.quota}, day)  # as-of reads keep the old quota
        if row is None:
            row = Position(code=merged.code, competencies=[])
            s.add(row)
        row.title, row.type, row.unit_id, row.quota = merged.title.strip(), merged.type, unit.id, merged.quota
        row.managerial = is_managerial(merged.type)
        row.job_class, row.min_education = merged.job_class, merged.min_education
        row.min_rank, row.max_rank = merged.min_rank, merged.max_rank
        await s.flush()
        old, new = changes(before, _position_fields(row))
        if not new:
            return row.id, []
        entry = AuditEntry(
            actor=str(viewer.user_id),
            actor_roles=sorted(viewer.roles),
            action="position.created" if not before else "position.updated",
            entity_type="position",
            entity_id=row.code,
            before=old or None,
            after=new,
        )
        return row.id, [entry]

    payload = {"code": change.code, **change.fields}
    return await run_command(
        db, viewer, command="upsertPosition", payload=payload, idempotency_key=idempotency_key, body=body
    )


def _position_fields(row: Position) -> dict[str, object]:
    return {
        "code": row.code,
        "title": row.title,
        "type": row.type,
        "unitId": row.unit_id,
        "quota": row.quota,
        "jobClass": row.job_class,
        "minEducation": row.min_education,
        "minRank": row.min_rank,
        "maxRank": row.max_rank,
    }
