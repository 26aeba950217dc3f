"""Creating or changing a position (``upsertPosition``) through the write path.

One transaction (authorize, validate, write, audit); every bad input is answered with a sentence naming the
field and the value. The rules a position must satisfy live in ``server.registry.validation``, shared with
``asnflow import``. A quota below the seats already taken is refused (``common.SeatsTaken``, passed in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry, changes
from server.authority import Actor
from server.clock import today_in_jakarta
from server.commands import CommandResult
from server.db import Database
from server.domain.positions import is_managerial
from server.errors import CommandRefused, UserError, validation
from server.models import Position, Unit
from server.registry import queries as registry
from server.registry import quotas
from server.registry.commands import common
from server.registry.validation import PositionInput, position_problems
from server.rules import rules_for

REQUIRED_POSITION_FIELDS = ("title", "type", "unit_code", "quota")


def _position_errors(data: PositionInput, today: dt.date) -> list[UserError]:
    return [
        validation(p.field, p.message, rules_for(p.rule, today) if p.rule else None)
        for p in position_problems(data, today)
    ]


async def _quota_error(
    s: AsyncSession, seats: common.SeatsTaken, row: Position, quota: int, today: dt.date
) -> UserError | None:
    """A quota below the seats already taken (holders today, and decided requests holding theirs) is refused:
    it would leave a decided request unable to take effect."""
    taken = await seats(s, row.id, today)
    if quota >= taken.taken:
        return None
    return validation(
        "quota",
        f"quota {quota} for {row.code} is below the {taken.taken} seat(s) taken: {taken.holders} holder(s) on "
        f"{today} and {taken.pending} decided request(s) waiting to take effect; end an assignment or let the "
        "decisions take effect first",
    )


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
    actor: Actor,
    change: PositionChange,
    *,
    seats: common.SeatsTaken,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Create or change a position through the shared write path; only the fields ``change`` gives change."""
    day = today or today_in_jakarta()

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        verdict = actor.may("position", "upsert", unit_path=None)
        common.require(actor, verdict, "position.upsert.refused", "position", change.code)
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
        if row is not None and (quota_error := await _quota_error(s, seats, row, merged.quota, day)) is not None:
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
        action = "position.created" if not before else "position.updated"
        return row.id, [common.event(actor, action, "position", row.code, after=new, before=old or None)]

    payload = {"code": change.code, **change.fields}
    return await common.run(db, actor, "upsertPosition", payload, idempotency_key, body)


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
