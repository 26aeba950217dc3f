"""A server process killed with SIGKILL in the middle of a stream of ``act`` calls leaves nothing half-applied.

Forty training requests wait at ``claimed``; eight concurrent clients send the BKD verifier's ``verify``
(a step whose effect, ``record_training``, is written in the same transaction) to a real ``uvicorn``
process on PostgreSQL, which is killed with SIGKILL once about a third have been answered. Every request
is then either untouched or fully moved (state, version, training record, tasks and audit events agree),
the audit chain verifies without a seq gap, and a fresh process finishes the rest.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from server.db import Database
from tests.faults.consistency import assert_training_requests_consistent, claimed_trainings, states
from tests.multiprocess.servers import ACT, Server, running_servers, token

REQUESTS = 40
CLIENTS = 8
KILL_AFTER = REQUESTS // 3
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


async def _verify_stream(
    server: Server, request_ids: list[int], verifier: str, *, kill_after: int | None
) -> Counter[str]:
    """``verify`` each request from ``CLIENTS`` concurrent clients; SIGKILL the server after ``kill_after`` answers."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for rid in request_ids:
        queue.put_nowait(rid)
    outcomes: Counter[str] = Counter()
    answered = asyncio.Event()
    headers = {"Authorization": f"Bearer {token(verifier)}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=TIMEOUT) as http:
            while not queue.empty():
                rid = queue.get_nowait()
                variables = {"input": {"requestId": str(rid), "action": "verify"}}
                try:
                    response = await http.post("/graphql", json={"query": ACT, "variables": variables}, headers=headers)
                except httpx.TransportError:
                    outcomes["lost"] += 1  # the process died with this request in flight (or before it arrived)
                    continue
                body = response.json()
                assert response.status_code == 200 and "errors" not in body, response.text
                errors = body["data"]["act"]["errors"]
                outcomes[errors[0]["code"] if errors else "OK"] += 1
                if kill_after is not None and sum(outcomes.values()) >= kill_after:
                    answered.set()

    async def killer() -> None:
        await answered.wait()
        server.process.send_signal(signal.SIGKILL)

    kill_task = asyncio.create_task(killer())
    try:
        await asyncio.wait_for(asyncio.gather(*(client() for _ in range(CLIENTS))), 120)
    finally:
        kill_task.cancel()
    return outcomes


@pytest.mark.postgres
async def test_sigkill_mid_stream_leaves_every_request_whole_and_the_chain_verifying(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(pg_seeded_url)
    try:
        prepared = await claimed_trainings(db, REQUESTS)
        for name in ("first", "second"):
            (tmp_path / name).mkdir()
        verifier = prepared.people["bkd_verifier"]
        with running_servers(pg_seeded_url, 1, tmp_path / "first") as (server,):
            outcomes = await _verify_stream(server, prepared.request_ids, verifier, kill_after=KILL_AFTER)
            assert server.process.wait(10) == -signal.SIGKILL
        assert outcomes["OK"] >= KILL_AFTER and outcomes["lost"] > 0, outcomes
        assert set(outcomes) <= {"OK", "lost"}, outcomes

        found = await assert_training_requests_consistent(db, prepared.request_ids)
        moved = Counter(found.values())
        # every answered OK is stored; a lost request may or may not have committed before the kill
        assert outcomes["OK"] <= moved["verified"] <= outcomes["OK"] + outcomes["lost"], (outcomes, moved)
        assert moved["verified"] + moved["claimed"] == REQUESTS, moved

        with running_servers(pg_seeded_url, 1, tmp_path / "second") as (fresh,):
            rest = [rid for rid, state in found.items() if state == "claimed"]
            again = await _verify_stream(fresh, rest, verifier, kill_after=None)
        assert again == Counter({"OK": len(rest)}), again
        assert set((await states(db, prepared.request_ids)).values()) == {"verified"}
        await assert_training_requests_consistent(db, prepared.request_ids)
    finally:
        await db.dispose()
