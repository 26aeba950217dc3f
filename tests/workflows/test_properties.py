"""Random actions by random actors never break the registry's invariants (hypothesis).

Invariants after every command: no two definitive holders of a managerial position at once, no
overlapping assignments of one employee, holders never above quota, a finished request never changes,
and every applied change has its audit event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.db import Database
from server.models import Assignment, AuditEvent, Position, WorkflowRequest
from tests.conftest import BACKEND
from tests.workflows.factories import build_world
from workflows.cli import tick
from workflows.service import act, propose_placement

ACTORS = ("verifier", "verifier2", "board", "sekda", "governor", "official", "kabid_a", "kabid_b", "budi", "sari")
ACTIONS = ("verify", "recommend", "decide", "issue_decree", "return", "reject", "withdraw", "propose")
DAY0 = dt.date(2026, 2, 2)

commands = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(ACTORS), st.sampled_from(ACTIONS), st.integers(0, 40)),
    min_size=5,
    max_size=15,
)


async def _invariants(db: Database, finished: dict[int, tuple[str, int]]) -> None:
    async with db.read() as s:
        rows = (
            await s.execute(
                select(
                    Assignment.employee_id,
                    Assignment.position_id,
                    Assignment.start_date,
                    Assignment.end_date,
                    Position.managerial,
                    Position.quota,
                ).join(Position, Position.id == Assignment.position_id)
            )
        ).all()
        for a, b in itertools.combinations(rows, 2):
            overlap = a.start_date <= (b.end_date or dt.date.max) and b.start_date <= (a.end_date or dt.date.max)
            assert not (overlap and a.employee_id == b.employee_id), "one employee in two posts at once"
            assert not (overlap and a.position_id == b.position_id and a.managerial), "two holders of a managerial post"
        for day in {r.start_date for r in rows}:
            held: dict[int, int] = {}
            for r in rows:
                if r.start_date <= day <= (r.end_date or dt.date.max):
                    held[r.position_id] = held.get(r.position_id, 0) + 1
            assert all(n <= next(r.quota for r in rows if r.position_id == p) for p, n in held.items())
        requests = (await s.execute(select(WorkflowRequest))).scalars().all()
        for request in requests:
            if request.id in finished:
                assert (request.state, request.version) == finished[request.id], "a finished request changed"
            elif request.terminal:
                finished[request.id] = (request.state, request.version)
        opened = (await s.execute(select(func.count()).where(AuditEvent.action == "assignment.opened"))).scalar_one()
        assert opened == len(rows) - 5  # the world starts with five assignments


async def _run(url: str, script: list[tuple[int, str, str, int]]) -> None:
    db = Database(url)
    try:
        world = await build_world(db)
        ids = []
        for who, employee, code in [
            ("kabid_a", "budi", "KASI_A"),
            ("kabid_a", "sari", "KASI_A"),
            ("kabid_b", "sari", "STAFF_B"),
        ]:
            result = await propose_placement(
                db,
                await world.viewer(who),
                employee_nip=world.nip(employee),
                position_code=code,
                effective_date=dt.date(2026, 3, 1),
                today=DAY0,
            )
            ids.append(result.entity_id)
        finished: dict[int, tuple[str, int]] = {}
        for index, who, action, offset in script:
            rid = ids[index]
            if rid is None:
                continue
            day = DAY0 + dt.timedelta(days=offset)
            data: dict[str, Any] = {"decreeNo": "SK-H"} if action == "issue_decree" else {}
            await act(
                db, await world.viewer(who, day), request_id=rid, action=action, comment="because", data=data, today=day
            )
            await tick(db, today=day)
            await _invariants(db, finished)
    finally:
        await db.dispose()


@pytest.mark.skipif(
    BACKEND == "postgres", reason="runs on the SQLite template; the PostgreSQL races have their own tests"
)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=commands)
def test_random_actions_keep_the_registry_consistent(
    script: list[tuple[int, str, str, int]], migrated_template: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(migrated_template, path)
    asyncio.run(_run(f"sqlite:///{path}", script))
