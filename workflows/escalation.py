"""Deadlines that act: ``asnflow workflows tick`` reminds, then escalates, the overdue tasks of steps that say so.

A step declares ``escalation: {escalate_after: task.escalation}`` in its definition. A task of such a step
is overdue once its due date (23:59 in Jakarta) has passed. On the first tick after that it is *reminded*:
``tasks.reminded_at`` is set and ``task.reminded`` audited; the event reaches ``requestChanged`` subscribers
(no e-mail). Once the rule's ``days`` (calendar days, weekends included, the version in force on the due
date) have passed since the due date, it is *escalated*: the holders of the same role in the unit above
the nearest unit whose holders own it now are added to it, each as a named assignee row of the same step
(``escalated_from`` = the task), which their inbox lists and ``taskAssigned`` delivers; ``escalated_at``
is set and ``task.escalated`` audited with the rule version. A task owned province-wide (BKD) or whose
line has no holder above has nobody to escalate to: it is marked escalated all the same, and the event
says nobody was found, so the tick does not ask again every day.

Idempotent and isolated like the rest of the tick: each task moves in its own transaction, the marks are
set by conditional updates (``... WHERE reminded_at IS NULL``), so a second run, or a run on another
machine at the same time, reminds and escalates nothing twice; one task that fails is audited as
``task.escalation_failed`` and the others go on. When the step is taken, every row of the task closes
(``repository.close_tasks``); the next step's task (a request returned and resubmitted, too) starts
with a new due date and no marks, so escalation starts over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry, append
from server.clock import JAKARTA, utcnow
from server.db import Database
from server.events import append_announced
from server.models import RoleGrant, Unit
from server.rules import rules_for
from workflows import catalog
from workflows.repository import deadlines
from workflows.repository.lists import utc
from workflows.steps import SYSTEM


@dataclass
class EscalationReport:
    """What one run did: tasks reminded, tasks escalated, and the tasks that failed (request id, task id, why)."""

    reminded: int = 0
    escalated: int = 0
    failed: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Overdue:
    """One open, overdue task of a step that escalates: what the tick needs to act on it."""

    task_id: int
    request_id: int
    step: str
    role: str
    unit_id: int | None
    due_at: dt.datetime
    reminded: bool
    rule: str

    @property
    def due_day(self) -> dt.date:
        return utc(self.due_at).astimezone(JAKARTA).date()


def start_of(day: dt.date) -> dt.datetime:
    """Midnight in Jakarta starting ``day``, in UTC: a task due before it is overdue on ``day``."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=JAKARTA).astimezone(dt.UTC)


def escalation_days(rule: str, due_day: dt.date) -> tuple[int, str]:
    """The days after the due date before escalation, and the rule version that says so."""
    version = rules_for(rule, due_day)
    return version.int("days"), version.version_id


async def overdue_tasks(session: AsyncSession, day: dt.date) -> list[Overdue]:
    """Every open overdue task not yet escalated whose step declares escalation, in one statement."""
    rows = await deadlines.overdue_open_tasks(session, start_of(day))
    found = []
    for r in rows:
        state = catalog.by_version(r.definition_version).states.get(r.step)
        if state is None or state.escalate_after is None:
            continue
        found.append(
            Overdue(
                r.id, r.request_id, r.step, r.role, r.unit_id, r.due_at, r.reminded_at is not None, state.escalate_after
            )
        )
    return found


async def holders_above(session: AsyncSession, role: str, unit_id: int | None, day: dt.date) -> list[str]:
    """The users holding ``role`` (in their own right or acting, not by delegation) in the unit above the nearest
    unit whose holders own the task: the Camat over a Lurah. None above a province-wide role, or with nobody."""
    if unit_id is None:
        return []
    path = (await session.execute(select(Unit.path).where(Unit.id == unit_id))).scalar_one_or_none()
    if path is None:
        return []
    line = [int(part) for part in path.strip("/").split("/") if part]  # root first, the task's unit last
    grants = (
        await session.execute(
            select(RoleGrant.user_id, RoleGrant.unit_id)
            .where(
                RoleGrant.role == role,
                RoleGrant.unit_id.in_(line),
                RoleGrant.delegated_from.is_(None),
                RoleGrant.revoked_at.is_(None),
                or_(RoleGrant.valid_from.is_(None), RoleGrant.valid_from <= day),
                or_(RoleGrant.valid_to.is_(None), RoleGrant.valid_to >= day),
            )
            .order_by(RoleGrant.user_id)
        )
    ).all()
    by_unit: dict[int, list[str]] = {}
    for user_id, grant_unit in grants:
        if grant_unit is not None:
            by_unit.setdefault(grant_unit, []).append(str(user_id))
    levels = [unit for unit in reversed(line) if unit in by_unit]  # nearest first
    return sorted(set(by_unit[levels[1]])) if len(levels) > 1 else []


def _entry(task: Overdue, action: str, comment: str, after: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        actor=SYSTEM,
        action=action,
        entity_type="task",
        entity_id=str(task.task_id),
        request_id=task.request_id,
        comment=comment,
        after={
            "taskId": task.task_id,
            "step": task.step,
            "role": task.role,
            "dueAt": utc(task.due_at).isoformat(),
            **after,
        },
    )


async def _remind(session: AsyncSession, task: Overdue, stamp: dt.datetime) -> AuditEntry | None:
    if not await deadlines.mark_reminded(session, task.task_id, stamp):
        return None
    return _entry(task, "task.reminded", f"the {task.step} step ({task.role}) was due on {task.due_day}", {})


async def _escalate(session: AsyncSession, task: Overdue, day: dt.date, stamp: dt.datetime) -> AuditEntry | None:
    days, version = escalation_days(task.rule, task.due_day)
    if task.due_day + dt.timedelta(days=days) >= day:
        return None
    if not await deadlines.mark_escalated(session, task.task_id, stamp):
        return None
    people = await holders_above(session, task.role, task.unit_id, day)
    if people:
        await deadlines.add_escalated_rows(
            session,
            [
                {
                    "request_id": task.request_id,
                    "step": task.step,
                    "role": task.role,
                    "unit_id": task.unit_id,
                    "assignee_user_id": person,
                    "due_at": task.due_at,
                    "opened_at": stamp,
                    "escalated_from": task.task_id,
                }
                for person in people
            ],
        )
        comment = f"{days} days past its due date {task.due_day}: added {', '.join(people)} ({task.role} above)"
    else:
        comment = f"{days} days past its due date {task.due_day}: nobody holds {task.role} in a unit above"
    return _entry(task, "task.escalated", comment, {"to": people, "rule": version, "days": days})


async def act_on(db: Database, task: Overdue, day: dt.date) -> tuple[bool, bool]:
    """Remind and, when due, escalate one task in one transaction: (reminded, escalated)."""
    async with db.write() as session:
        stamp = utcnow()
        entries = [] if task.reminded else [e for e in [await _remind(session, task, stamp)] if e is not None]
        escalated = await _escalate(session, task, day, stamp)
        if escalated is not None:
            entries.append(escalated)
        if entries:
            await append_announced(session, entries)
        return any(e.action == "task.reminded" for e in entries), escalated is not None


async def _audit_failure(db: Database, task: Overdue, message: str) -> None:
    failure = _entry(task, "task.escalation_failed", message, {"error": message})
    async with db.write() as session:
        await append(session, [failure])


async def run_escalation(db: Database, day: dt.date, describe: Any) -> EscalationReport:
    """Remind and escalate every overdue task of ``day``, each on its own; ``describe`` words a failure."""
    async with db.read() as session:
        tasks = await overdue_tasks(session, day)
    report = EscalationReport()
    for task in tasks:
        try:
            reminded, escalated = await act_on(db, task, day)
        except Exception as error:  # one bad task must not stop the others
            message = describe(error)
            try:
                await _audit_failure(db, task, message)
            finally:
                report.failed.append((task.request_id, task.task_id, message))
            continue
        report.reminded += reminded
        report.escalated += escalated
    return report
