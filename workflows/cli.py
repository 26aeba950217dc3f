"""``asnflow workflows tick``: the scheduler's steps that have come due (decrees on their TMT, closed windows).

Each due request moves in its own transaction through the ordinary write path (versioned save, tasks,
audit), so running tick twice, or from two machines at once, applies every effect once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from server.audit.writer import append
from server.clock import service_today, today_in_jakarta
from server.db import Database
from server.settings import get_settings
from workflows import catalog, repository
from workflows.errors import CommandRefused
from workflows.loading import load
from workflows.steps import SYSTEM, Actor, AuditedRefusal, advance


def _waiting_states() -> set[str]:
    return {s for d in catalog.all_definitions() for a in d.actions if a.auto is not None for s in a.sources}


async def tick(db: Database, *, today: dt.date | None = None) -> int:
    """Take every scheduler step that has come due; how many requests moved."""
    day = today or today_in_jakarta()
    async with db.read() as session:
        ids = await repository.waiting_requests(session, _waiting_states())
    moved = 0
    for request_id in ids:
        try:
            async with db.write() as session:
                loaded = await load(session, request_id, lock=True)
                if loaded is None:
                    continue
                entries = await advance(session, loaded, by=Actor(SYSTEM), today=day)
                if entries:
                    await append(session, entries)
                    moved += 1
        except AuditedRefusal as refusal:
            async with db.write() as session:
                await append(session, [refusal.entry])
        except CommandRefused:
            continue
    return moved


def _run(_args: argparse.Namespace) -> int:
    settings = get_settings()

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            return await tick(db, today=service_today(settings))
        finally:
            await db.dispose()

    moved = asyncio.run(main())
    print(f"{moved} request(s) moved on")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``workflows tick`` to the ``asnflow`` command line."""
    workflows = subparsers.add_parser("workflows", help="workflow scheduler commands")
    commands = workflows.add_subparsers(dest="workflows_command", required=True)
    tick_parser = commands.add_parser("tick", help="apply effects that have come due (safe to repeat)")
    tick_parser.set_defaults(func=_run)
