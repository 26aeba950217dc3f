"""Retries of one command under one idempotency key, sent all at once, all answer the first one's result.

A client that timed out resends; a load balancer spreads the copies over server processes. The key is
claimed before the command runs (its row inserted under the (user, key) primary key in the command's
transaction), so the copies queue behind the first and replay its stored result; before, they raced the
command itself and most read CONFLICT (the step was already taken) or VALIDATION (an open request
already exists). A different input under a used key is still IDEMPOTENCY_MISMATCH.
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
from server.db import Database
from server.models import AuditEvent, Employee, WorkflowRequest
from server.seed import REFERENCE_DATE, persona_user_ids
from tests.api.helpers import TMT, DemoApi, act, propose, proposed
from tests.multiprocess.seeded import pg_seeded_url
from tests.multiprocess.servers import ACT, PROPOSE_PLACEMENT, graphql, running_servers
from workflows.proposals import propose_placement

__all__ = ["pg_seeded_url"]

RETRIES = 20
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)

# A post with a free seat in the employee persona's own kelurahan (a placement moves nobody out of another unit).
OWN_UNIT_POST = "KEL-GAMBIR-01-PLK2"


def outcomes(payloads: list[dict[str, Any]]) -> Counter[str]:
    return Counter(p["errors"][0]["code"] if p["errors"] else "OK" for p in payloads)


async def audited_steps(db: Database, request_id: int) -> dict[str, int]:
    async with db.read() as s:
        rows = await s.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.request_id == request_id)
            .group_by(AuditEvent.action)
        )
    return {str(action): int(count) for action, count in rows.all()}


async def placements_of(db: Database, nip: str) -> int:
    async with db.read() as s:
        count = await s.execute(
            select(func.count())
            .select_from(WorkflowRequest)
            .join(Employee, Employee.id == WorkflowRequest.subject_employee_id)
            .where(WorkflowRequest.kind == "PLACEMENT", Employee.nip == nip)
        )
    return int(count.scalar_one())


# ------------------------------------------------------------------------------------------ in one process


async def placement_for_verify(demo: DemoApi) -> str:
    return await proposed(
        demo,
        "bkd_official",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode=OWN_UNIT_POST,
        effectiveDate=TMT,
    )


async def test_twenty_concurrent_retries_of_a_step_all_answer_the_first_result(demo: DemoApi) -> None:
    rid = await placement_for_verify(demo)
    answers = await asyncio.gather(
        *(act(demo, "bkd_verifier", rid, "verify", idempotencyKey="verify-once") for _ in range(RETRIES))
    )
    assert outcomes(answers) == {"OK": RETRIES}, answers
    assert {(a["request"]["state"], a["request"]["version"]) for a in answers} == {("verified", 2)}
    assert (await audited_steps(demo.db, int(rid)))["request.verify"] == 1


async def test_twenty_concurrent_retries_of_a_proposal_make_one_request(demo: DemoApi) -> None:
    values = {
        "employeeNip": demo.uid("employee"),
        "positionCode": OWN_UNIT_POST,
        "effectiveDate": TMT,
        "idempotencyKey": "propose-once",
    }
    answers = await asyncio.gather(
        *(propose(demo, "bkd_official", "proposePlacement", **values) for _ in range(RETRIES))
    )
    assert outcomes(answers) == {"OK": RETRIES}, answers
    assert len({a["request"]["id"] for a in answers}) == 1
    assert await placements_of(demo.db, demo.uid("employee")) == 1


async def test_concurrent_different_inputs_under_one_key_one_wins_the_others_are_mismatches(demo: DemoApi) -> None:
    rid = await placement_for_verify(demo)
    verify = [act(demo, "bkd_verifier", rid, "verify", idempotencyKey="k") for _ in range(RETRIES // 2)]
    commented = [
        act(demo, "bkd_verifier", rid, "verify", comment="checked", idempotencyKey="k") for _ in range(RETRIES // 2)
    ]
    first, second = await asyncio.gather(asyncio.gather(*verify), asyncio.gather(*commented))
    assert sorted([outcomes(first), outcomes(second)], key=lambda c: "OK" in c) == [
        {"IDEMPOTENCY_MISMATCH": RETRIES // 2},
        {"OK": RETRIES // 2},
    ]
    again = await act(demo, "bkd_verifier", rid, "return", comment="changed my mind", idempotencyKey="k")
    assert [e["code"] for e in again["errors"]] == ["IDEMPOTENCY_MISMATCH"]
    assert again["errors"][0]["field"] == "idempotencyKey"


async def test_a_refused_command_leaves_its_key_free_for_the_corrected_retry(demo: DemoApi) -> None:
    rid = await placement_for_verify(demo)
    wrong = await act(demo, "bkd_verifier", rid, "return", idempotencyKey="fix-me")
    assert [e["code"] for e in wrong["errors"]] == ["VALIDATION"]  # a return needs a comment
    fixed = await act(demo, "bkd_verifier", rid, "return", comment="the SK copy is missing", idempotencyKey="fix-me")
    assert fixed["errors"] == [] and fixed["request"]["state"] == "returned"


# ------------------------------------------------------------------------------ two server processes (PostgreSQL)


async def _proposed_placement(db: Database, ids: dict[str, str]) -> int:
    async with db.read() as s:
        official = await load_viewer(s, ids["bkd_official"], REFERENCE_DATE)
    result = await propose_placement(
        db,
        official,
        employee_nip=ids["employee"],
        position_code=OWN_UNIT_POST,
        effective_date=dt.date(2026, 12, 1),
        today=REFERENCE_DATE,
    )
    assert result.ok and result.entity_id is not None, result.errors
    return result.entity_id


async def _spread(url: str, tmp_path: Path, query: str, variables: dict[str, Any], user: str) -> list[dict[str, Any]]:
    """``RETRIES`` copies of one mutation at once, round-robin over two server processes; their payloads."""
    with running_servers(url, 2, tmp_path) as servers:
        limits = httpx.Limits(max_connections=RETRIES)
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, limits=limits) as client:
            answers = await asyncio.gather(
                *(graphql(client, servers[i % 2], query, variables, user) for i in range(RETRIES))
            )
    return [next(iter(a.values())) for a in answers]


@pytest.mark.postgres
async def test_twenty_retries_of_a_step_across_two_server_processes_all_get_the_first_result(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(pg_seeded_url)
    try:
        ids = await persona_user_ids(db)
        rid = await _proposed_placement(db, ids)
        variables = {"input": {"requestId": str(rid), "action": "verify", "idempotencyKey": "verify-2proc"}}
        answers = await _spread(pg_seeded_url, tmp_path, ACT, variables, ids["bkd_verifier"])
        assert outcomes(answers) == {"OK": RETRIES}, answers
        assert {a["request"]["state"] for a in answers} == {"verified"}
        assert (await audited_steps(db, rid))["request.verify"] == 1
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_twenty_retries_of_a_proposal_across_two_server_processes_make_one_request(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(pg_seeded_url)
    try:
        ids = await persona_user_ids(db)
        variables = {
            "input": {
                "employeeNip": ids["employee"],
                "positionCode": OWN_UNIT_POST,
                "effectiveDate": "2026-12-01",
                "idempotencyKey": "propose-2proc",
            }
        }
        answers = await _spread(pg_seeded_url, tmp_path, PROPOSE_PLACEMENT, variables, ids["bkd_official"])
        assert outcomes(answers) == {"OK": RETRIES}, answers
        assert len({a["request"]["id"] for a in answers}) == 1
        assert await placements_of(db, ids["employee"]) == 1
    finally:
        await db.dispose()
