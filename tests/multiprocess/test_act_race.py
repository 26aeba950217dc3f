"""Races between real server processes: one step taken once, and one audit chain, whatever the interleaving.

Each test seeds the ``small`` demo world into a fresh database, prepares requests through the service
functions, starts real ``uvicorn`` processes of ``schema.commands:app_from_env`` on loopback ports
(``tests.multiprocess.servers``) and fires concurrent GraphQL mutations at them over HTTP.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from policies.viewer import load_viewer
from server.audit.verify import verify
from server.db import Database
from server.models import Assignment, AuditEvent, AuditHead, Employee, Position, Unit, WorkflowRequest
from server.seed import REFERENCE_DATE, persona_user_ids
from tests.multiprocess.seeded import pg_seeded_url, seed_small
from tests.multiprocess.servers import ACT, PROPOSE_PLACEMENT, Server, graphql, running_servers
from workflows.service import propose_placement

RACERS = 20
EFFECTIVE = dt.date(2026, 12, 1)
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
OWN_UNIT_POST = "KEL-GAMBIR-01-PLK2"  # a free seat in the employee persona's own kelurahan
RACE_POST = "KEC-GAMBIR-RACE"

__all__ = ["pg_seeded_url"]  # the fixture, shared with the idempotency race


@pytest.fixture
def sqlite_seeded_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    seed_small(url)
    return url


async def _placement_waiting_for_verify(db: Database) -> tuple[int, int, dict[str, str]]:
    """A placement of the employee persona proposed by the BKD official: it waits for a BKD verifier."""
    ids = await persona_user_ids(db)
    async with db.read() as s:
        official = await load_viewer(s, ids["bkd_official"], REFERENCE_DATE)
    result = await propose_placement(
        db,
        official,
        employee_nip=ids["employee"],
        position_code=OWN_UNIT_POST,
        effective_date=EFFECTIVE,
        today=REFERENCE_DATE,
    )
    assert result.ok, result.errors
    assert result.entity_id is not None
    async with db.read() as s:
        row = await s.get(WorkflowRequest, result.entity_id)
        assert row is not None and row.state == "proposed"
        return row.id, row.version, ids


async def _race(servers: list[Server], request_id: int, user_id: str) -> list[dict[str, Any]]:
    """``RACERS`` concurrent ``verify`` steps on one request, spread round-robin over ``servers``."""
    variables = {"input": {"requestId": str(request_id), "action": "verify"}}
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, limits=httpx.Limits(max_connections=RACERS)) as client:
        answers = await asyncio.gather(
            *(graphql(client, servers[i % len(servers)], ACT, variables, user_id) for i in range(RACERS))
        )
    return [a["act"] for a in answers]


async def _assert_chain_intact(db: Database) -> int:
    """The chain verifies, and its seqs run 1..head without a gap; returns the head's seq."""
    report = await verify(db)
    assert report.ok, report.explanation
    async with db.read() as s:
        seqs = list((await s.execute(select(AuditEvent.seq).order_by(AuditEvent.seq))).scalars())
        head = (await s.execute(select(AuditHead.seq).where(AuditHead.id == 1))).scalar_one()
    assert seqs == list(range(1, len(seqs) + 1))
    assert head == len(seqs) == report.checked_events
    return int(head)


async def _assert_one_winner(db: Database, answers: list[dict[str, Any]], request_id: int, version: int) -> None:
    outcomes = Counter(a["errors"][0]["code"] if a["errors"] else "OK" for a in answers)
    assert outcomes == {"OK": 1, "CONFLICT": RACERS - 1}, answers
    winner = next(a for a in answers if not a["errors"])
    assert winner["request"]["state"] == "verified"
    async with db.read() as s:
        row = await s.get(WorkflowRequest, request_id)
        assert row is not None
        assert (row.state, row.version) == ("verified", version + 1)
        steps = (
            await s.execute(
                select(AuditEvent.action, func.count())
                .where(AuditEvent.request_id == request_id)
                .group_by(AuditEvent.action)
            )
        ).all()
    assert dict(steps) == {"request.propose": 1, "request.verify": 1}
    await _assert_chain_intact(db)


@pytest.mark.postgres
async def test_twenty_acts_across_two_server_processes_move_the_request_once(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(pg_seeded_url)
    try:
        request_id, version, ids = await _placement_waiting_for_verify(db)
        with running_servers(pg_seeded_url, 2, tmp_path) as servers:
            answers = await _race(servers, request_id, ids["bkd_verifier"])
        await _assert_one_winner(db, answers, request_id, version)
    finally:
        await db.dispose()


async def test_twenty_concurrent_acts_on_one_sqlite_server_move_the_request_once(
    sqlite_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(sqlite_seeded_url)
    try:
        request_id, version, ids = await _placement_waiting_for_verify(db)
        with running_servers(sqlite_seeded_url, 1, tmp_path) as servers:
            answers = await _race(servers, request_id, ids["bkd_verifier"])
        await _assert_one_winner(db, answers, request_id, version)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_two_server_processes_writing_concurrently_keep_one_gap_free_chain(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    """Proposals and then verifies of 30 placements, all at once across two processes, chain without a gap."""
    count = 30
    db = Database(pg_seeded_url)
    try:
        ids = await persona_user_ids(db)
        before = await _assert_chain_intact(db)
        async with db.write() as s:
            # people of the Gambir district, placed into a new post of the district itself (a placement
            # moves nobody out of another branch of the unit tree)
            district = (await s.execute(select(Unit).where(Unit.code == "KEC-GAMBIR"))).scalar_one()
            s.add(
                Position(
                    code=RACE_POST,
                    title="Race Post",
                    type="PELAKSANA",
                    unit_id=district.id,
                    managerial=False,
                    quota=1,
                    job_class=5,
                    competencies=[],
                )
            )
            in_district = (
                select(Assignment.employee_id)
                .join(Position, Position.id == Assignment.position_id)
                .join(Unit, Unit.id == Position.unit_id)
                .where(Assignment.end_date.is_(None), Unit.path.startswith(district.path))
            )
            nips = list(
                (
                    await s.execute(
                        select(Employee.nip)
                        .where(Employee.nip.not_in(ids.values()), Employee.id.in_(in_district))
                        .order_by(Employee.id)
                    )
                )
                .scalars()
                .all()[:count]
            )
        assert len(nips) == count
        with running_servers(pg_seeded_url, 2, tmp_path) as servers:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, limits=httpx.Limits(max_connections=count)) as client:
                proposed = await asyncio.gather(
                    *(
                        graphql(
                            client,
                            servers[i % 2],
                            PROPOSE_PLACEMENT,
                            {
                                "input": {
                                    "employeeNip": nip,
                                    "positionCode": RACE_POST,
                                    "effectiveDate": EFFECTIVE.isoformat(),
                                }
                            },
                            ids["bkd_official"],
                        )
                        for i, nip in enumerate(nips)
                    )
                )
                assert [p["proposePlacement"]["errors"] for p in proposed] == [[]] * count
                request_ids = [p["proposePlacement"]["request"]["id"] for p in proposed]
                acted = await asyncio.gather(
                    *(
                        graphql(
                            client,
                            servers[(i + 1) % 2],
                            ACT,
                            {"input": {"requestId": rid, "action": "verify"}},
                            ids["bkd_verifier"],
                        )
                        for i, rid in enumerate(request_ids)
                    )
                )
        # a step either moves (request.verify) or is refused by a guard (request.refused): both are audited
        codes = Counter(a["act"]["errors"][0]["code"] if a["act"]["errors"] else "OK" for a in acted)
        assert set(codes) <= {"OK", "GUARD_FAILED"}, acted
        after = await _assert_chain_intact(db)
        assert after - before == 2 * count
        async with db.read() as s:
            actors = Counter(
                (await s.execute(select(AuditEvent.action).where(AuditEvent.seq > before))).scalars().all()
            )
        assert actors == Counter(
            {"request.propose": count, "request.verify": codes["OK"], "request.refused": codes["GUARD_FAILED"]}
        )
    finally:
        await db.dispose()
