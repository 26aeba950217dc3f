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

from policies.decide import decide
from policies.enforcer import get_enforcer
from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Position, PositionWorkload, Unit
from workflows.workforce import WorkloadTask, effective_hours_rule, tasks_of

MAX_TASKS = 100
MAX_TASK_CHARS = 200
MAX_VOLUME = 1_000_000


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


def _refused(viewer: Viewer, error: UserError, code: str) -> AuditedRefusal:
    return AuditedRefusal.of(viewer, error, action="position.workload.refused", entity_type="position", entity_id=code)


async def set_position_workload(
    db: Database,
    viewer: Viewer,
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
        if not any(get_enforcer().permits(g.role, "workload", "record") for g in viewer.grants):
            decision = decide(viewer, obj="workload", action="record", unit_path=None)
            raise _refused(viewer, UserError(ErrorCode.FORBIDDEN, decision.reason), code)
        found = (
            await session.execute(
                select(Position, Unit).join(Unit, Unit.id == Position.unit_id).where(Position.code == code)
            )
        ).one_or_none()
        if found is None:
            raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"no position has code {code!r}", "positionCode"))
        position, unit = found
        decision = decide(viewer, obj="workload", action="record", unit_path=unit.path, unit_code=unit.code)
        if not decision.allowed:
            raise _refused(viewer, UserError(ErrorCode.FORBIDDEN, decision.reason), position.code)
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
        after = [t.fields() for t in await tasks_of(session, position.id)]
        entry = AuditEntry(
            actor=str(viewer.user_id),
            actor_roles=sorted(viewer.roles),
            action="position.workload_set",
            entity_type="position",
            entity_id=position.code,
            before={"tasks": before},
            after={"tasks": after},
        )
        return position.id, [entry]

    payload = {"positionCode": code, "tasks": [t.fields() for t in tasks]}
    return await run_command(
        db, viewer, command="setPositionWorkload", payload=payload, idempotency_key=idempotency_key, body=body
    )
