"""``asnflow workflows tick``: the scheduler's steps that have come due (decrees on their TMT, closed windows).

Each due request moves in its own transaction through the ordinary write path (versioned save, tasks,
audit), so running tick twice, or from two machines at once, applies every effect once.

One request that cannot move must not hold the others back: a decree number stored before step data
was typed (10 KB, or holding a NUL) used to stop the whole run at the first such request on
PostgreSQL. Now every request is tried on its own; a failure of any kind rolls back that request only,
is logged, and is written to the audit log as ``request.tick_failed`` naming the request and the error;
the run goes on, and ends with a summary and exit status 1 if anything failed, so cron mails someone.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from server.audit.writer import AuditEntry, append
from server.clock import service_today, today_in_jakarta
from server.db import Database
from server.errors import AuditedRefusal, CommandRefused, UserError, validation
from server.events import append_announced
from server.metrics import record_command
from server.settings import get_settings
from workflows import catalog, escalation, repository
from workflows.loading import load
from workflows.steps import SYSTEM, Loaded, StepActor, advance

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 500
"""How much of an error the summary and the audit event keep: enough to act on, never a 10 KB value."""


@dataclass
class TickReport:
    """What one run did: how many requests moved on, and why each of the others could not."""

    moved: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    reminded: int = 0
    escalated: int = 0

    def summary(self) -> str:
        """``applied 41, failed 1: request 17: ...`` (one line per failure after the first); overdue tasks
        reminded or escalated (workflows/escalation.py) are counted after the head when there were any."""
        head = f"applied {self.moved}, failed {len(self.failed)}"
        if self.reminded or self.escalated:
            head += f", reminded {self.reminded}, escalated {self.escalated}"
        if not self.failed:
            return head
        return f"{head}: " + "; ".join(f"request {i}: {m}" for i, m in self.failed)


def _waiting_states() -> set[str]:
    return {s for d in catalog.all_definitions() for a in d.actions if a.auto is not None for s in a.sources}


def _stored_data_problems(loaded: Loaded) -> list[UserError]:
    """Step data stored before it was typed and that no longer fits its declaration (it would fail in an effect)."""
    declared = {spec.name: spec for action in loaded.definition.actions for spec in action.data}
    found = []
    for name, spec in declared.items():
        value = loaded.request.data.get(name)
        problem = spec.problem(value) if value is not None else None
        if problem is None and isinstance(value, str) and "\x00" in value:
            problem = f"data.{name} contains a NUL character (\\x00)"
        if problem is not None:
            found.append(validation(f"data.{name}", problem))
    return found


TICK = "tick"
"""The scheduler's steps in the command counter (``server.metrics``), one per request moved or refused."""


def _outcome(error: Exception) -> str:
    return error.errors[0].code.value if isinstance(error, CommandRefused) and error.errors else "FAILED"


def _describe(error: Exception) -> str:
    if isinstance(error, CommandRefused):
        text = "; ".join(e.message for e in error.errors)
    elif isinstance(error, DBAPIError):
        text = f"the database refused the change: {str(error.orig).strip()}"
    else:
        text = f"{type(error).__name__}: {error}"
    text = text.replace("\x00", "\\x00")
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


async def _move(db: Database, request_id: int, day: dt.date) -> bool:
    """Take the due steps of one request in one transaction; whether it moved. Raises what stopped it."""
    async with db.write() as session:
        loaded = await load(session, request_id, lock=True)
        if loaded is None:
            return False
        problems = _stored_data_problems(loaded)
        if problems:
            raise CommandRefused(*problems)
        entries = await advance(session, loaded, by=StepActor(SYSTEM), today=day)
        if entries:
            await append_announced(session, entries)
        return bool(entries)


async def _audit_failure(db: Database, request_id: int, message: str, refusal: AuditedRefusal | None) -> None:
    entry = refusal.entry if refusal is not None else None
    failure = AuditEntry(
        actor=SYSTEM,
        action="request.tick_failed",
        entity_type="request",
        entity_id=str(request_id),
        request_id=request_id,
        comment=message,
        after={"error": message},
    )
    try:
        async with db.write() as session:
            await append(session, [e for e in (entry, failure) if e is not None])
    except Exception:
        log.exception("tick: could not audit the failure of request %s", request_id)


async def run_tick(db: Database, *, today: dt.date | None = None) -> TickReport:
    """Take every scheduler step that has come due, each request on its own, then remind and escalate the
    overdue tasks (``workflows.escalation``), each task on its own; what moved and what failed."""
    day = today or today_in_jakarta()
    async with db.read() as session:
        ids = await repository.waiting_requests(session, _waiting_states())
    report = TickReport()
    for request_id in ids:
        try:
            if await _move(db, request_id, day):
                report.moved += 1
                record_command(TICK, [])
        except Exception as error:  # one bad request must not stop the others: every kind is isolated
            record_command(TICK, [_outcome(error)])
            message = _describe(error)
            log.warning("tick: request %s was skipped: %s", request_id, message)
            await _audit_failure(db, request_id, message, error if isinstance(error, AuditedRefusal) else None)
            report.failed.append((request_id, message))
    deadlines = await escalation.run_escalation(db, day, _describe)
    report.reminded, report.escalated = deadlines.reminded, deadlines.escalated
    report.failed += [(request_id, f"task {task_id}: {message}") for request_id, task_id, message in deadlines.failed]
    return report


async def tick(db: Database, *, today: dt.date | None = None) -> int:
    """How many requests ``run_tick`` moved on (failures are logged and audited there)."""
    return (await run_tick(db, today=today)).moved


def _run(_args: argparse.Namespace) -> int:
    settings = get_settings()

    async def main() -> TickReport:
        db = Database(settings.database_url)
        try:
            return await run_tick(db, today=service_today(settings))
        finally:
            await db.dispose()

    report = asyncio.run(main())
    print(report.summary())
    return 1 if report.failed else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``workflows tick`` to the ``asnflow`` command line (and the step check ``policy check`` uses)."""
    from workflows import policy_check  # noqa: F401  (registers itself with policies.cli)

    workflows = subparsers.add_parser("workflows", help="workflow scheduler commands")
    commands = workflows.add_subparsers(dest="workflows_command", required=True)
    tick_parser = commands.add_parser(
        "tick", help="apply effects that have come due (safe to repeat; exit 1 when a request could not move)"
    )
    tick_parser.set_defaults(func=_run)
