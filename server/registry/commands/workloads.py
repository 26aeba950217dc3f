"""Entering a position's workload analysis (ABK) through the write path: ``setPositionWorkload``.

The unit's HR operator enters the workloads of their unit's positions, BKD those of any unit (the policy's
``workload, record`` lines). The command replaces the position's whole task list, as the analysis form is one
table per position; the audit event keeps the list before and after, so the log is the workload's history.
A caller none of whose roles may record a workload is refused before the position is looked up; positions are
public, so a position outside the caller's units is refused as FORBIDDEN, not hidden.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor
from server.clock import today_in_jakarta
from server.commands import CommandResult
from server.db import Database
from server.errors import CommandRefused, ErrorCode, UserError, validation
from server.models import Position, PositionWorkload, Unit
from server.registry.commands import common
from server.registry.workloads import WorkloadTask, effective_hours_rule, tasks_of

MAX_TASKS = 100
MAX_TASK_CHARS = 200
MAX_VOLUME = 1_000_000
REFUSED = "position.workload.refused"


def _task_errors(tasks: list[WorkloadTask], effective_hours: int) -> list[UserError]:
    if len(tasks) > MAX_TASKS:
        return [validation("tasks", f"{len(tasks)} tasks is too many; a position's analysis has at most {MAX_TASKS}")]
    errors: list[UserError] = []
    seen: set[str] = set()
    for i, t in enumerate(tasks):
        name = t.task.strip()
        if not name or len(name) > MAX_TASK_CHARS:
            message = f"tasks[{i}].task {t.task!r} must name the task in 1 to {MAX_TASK_CHARS} characters"
            errors.append(validation(f"tasks[{i}].task", message))
        elif name.casefold() in seen:
            errors.append(validation(f"tasks[{i}].task", f"tasks[{i}].task {name!r} is listed twice; give it once"))
        seen.add(name.casefold())
        if not 1 <= t.annual_volume <= MAX_VOLUME:
            message = f"tasks[{i}].annualVolume {t.annual_volume} must be between 1 and {MAX_VOLUME:,} outputs a year"
            errors.append(validation(f"tasks[{i}].annualVolume", message))
        if not 0 < t.norm_hours <= effective_hours or round(t.norm_hours, 2) != t.norm_hours:
            message = (
                f"tasks[{i}].normHours {t.norm_hours} must be more than 0 and at most a year's {effective_hours} "
                "effective hours, to the hundredth of an hour"
            )
            errors.append(validation(f"tasks[{i}].normHours", message))
    return errors


async def set_position_workload(
    db: Database,
    actor: Actor,
    *,
    position_code: str,
    tasks: list[WorkloadTask],
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Replace the workload tasks of ``position_code``; the answer's ``entity_id`` is the position's id."""
    day = today or today_in_jakarta()
    code = position_code.strip()

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        common.require(actor, actor.may_somewhere("workload", "record"), REFUSED, "position", code)
        found = (
            await session.execute(
                select(Position, Unit).join(Unit, Unit.id == Position.unit_id).where(Position.code == code)
            )
        ).one_or_none()
        if found is None:
            raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"no position has code {code!r}", "positionCode"))
        position, unit = found
        verdict = actor.may("workload", "record", unit_path=unit.path, unit_code=unit.code)
        common.require(actor, verdict, REFUSED, "position", position.code)
        errors = _task_errors(tasks, effective_hours_rule(day).int("hours"))
        if errors:
            raise CommandRefused(*errors)
        before = [t.fields() for t in await tasks_of(session, position.id)]
        await session.execute(delete(PositionWorkload).where(PositionWorkload.position_id == position.id))
        rows = [
            PositionWorkload(
                position_id=position.id, task=t.task.strip(), annual_volume=t.annual_volume, norm_hours=t.norm_hours
            )
            for t in sorted(tasks, key=lambda t: t.task.strip())
        ]
        session.add_all(rows)
        await session.flush()
        after = {"tasks": [t.fields() for t in await tasks_of(session, position.id)]}
        entry = common.event(
            actor, "position.workload_set", "position", position.code, after=after, before={"tasks": before}
        )
        return position.id, [entry]

    payload = {"positionCode": code, "tasks": [t.fields() for t in tasks]}
    return await common.run(db, actor, "setPositionWorkload", payload, idempotency_key, body)
