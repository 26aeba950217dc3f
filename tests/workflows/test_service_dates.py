"""Dates that agree: the command line judges on the service's date like the server (``ASNFLOW_TODAY`` where
set, else Jakarta's calendar), and a task's ``dueAt`` is 23:59 in Jakarta on every engine.

Before: ``asnflow workflows tick`` and ``asnflow policy check`` read the machine's clock whatever
``ASNFLOW_TODAY`` said, and SQLite stored ``dueAt`` without its offset, so it read back 7 hours late.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from policies import cli as policy_cli
from server.models import RoleGrant, Task
from server.settings import get_settings
from tests.workflows.conftest import TODAY, request_row, step
from tests.workflows.factories import World
from tests.workflows.test_placement import TMT, propose, to_approved
from workflows import cli as workflow_cli


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="asnflow")
    commands = parser.add_subparsers(dest="command")
    workflow_cli.register(commands)
    policy_cli.register(commands)
    return parser.parse_args(list(argv))


@pytest.fixture
def service(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The command line pointed at the test's database; each test sets ``ASNFLOW_TODAY``."""
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


async def run_on(service: pytest.MonkeyPatch, today: dt.date, *argv: str) -> int:
    """Run ``asnflow ARGV`` with ``ASNFLOW_TODAY=today`` (in a thread: the command runs its own event loop)."""
    service.setenv("ASNFLOW_TODAY", today.isoformat())
    get_settings.cache_clear()
    args = parse(*argv)
    return int(await asyncio.to_thread(args.func, args))


async def test_tick_from_the_command_line_takes_effect_on_the_service_date_not_the_machines(
    world: World, service: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rid = await propose(world)
    await to_approved(world, rid)
    assert (await step(world, "official", rid, "issue_decree", data={"decreeNo": "SK-DATE/2026"})).ok

    # The machine's clock is past the TMT; the service's date is the day before it.
    await run_on(service, TMT - dt.timedelta(days=1), "workflows", "tick")
    assert capsys.readouterr().out.strip() == "applied 0, failed 0"
    assert (await request_row(world.db, rid)).state == "decreed"

    await run_on(service, TMT, "workflows", "tick")
    assert capsys.readouterr().out.strip() == "applied 1, failed 0"
    assert (await request_row(world.db, rid)).state == "effective"


async def test_policy_check_judges_on_the_service_date(
    world: World, service: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with world.db.write() as s:
        grant = (await s.execute(select(RoleGrant).where(RoleGrant.user_id == "sekda"))).scalars().one()
        grant.valid_from = dt.date(2026, 6, 1)
    sekda = "sekda"  # the PyB, granted from 1 June 2026
    assert await run_on(service, dt.date(2026, 5, 31), "policy", "check", sekda, "decide", "placement") == 1
    assert capsys.readouterr().out.startswith("refused")
    assert await run_on(service, dt.date(2026, 6, 1), "policy", "check", sekda, "decide", "placement") == 0
    assert capsys.readouterr().out.startswith("allowed")


async def test_due_at_is_2359_in_jakarta_on_every_engine(world: World) -> None:
    rid = await propose(world)  # proposed on TODAY: BKD verifies within 5 days
    async with world.db.read() as s:
        task = (await s.execute(select(Task).where(Task.request_id == rid))).scalars().one()
    due = task.due_at
    assert due is not None
    if due.tzinfo is None:  # SQLite gives back the stored UTC time without an offset
        due = due.replace(tzinfo=dt.UTC)
    assert (
        due
        == dt.datetime(2026, 2, 7, 16, 59, tzinfo=dt.UTC)
        == dt.datetime.fromisoformat(f"{TODAY + dt.timedelta(days=5)}T23:59:00+07:00")
    )
