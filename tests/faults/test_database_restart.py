"""The database goes away under a running asnflow process and comes back; asnflow is never restarted.

The machine's PostgreSQL server is shared, so the outage is simulated for asnflow alone: the server
process reaches PostgreSQL through a TCP proxy in the test (``tests.faults.proxy``) that can be cut
(every connection reset, new ones refused: a database that is down or restarting), frozen (connections
stay open but nothing answers: a network partition), or the test database's backends are terminated
with ``pg_terminate_backend`` (what a PostgreSQL restart does to an open pool).

What the service answers today while the database is unreachable (measured by these tests):

- ``/readyz``: 503 ``{"status": "unavailable", "reason": "database unreachable"}`` within milliseconds;
  ``/healthz`` stays 200 (the process is up).
- a request with a bearer token (every mutation, ``act`` included): HTTP 503 JSON with ``Retry-After: 5``
  and an error coded ``UNAVAILABLE`` saying nothing was changed and to retry when loading the viewer
  fails before any GraphQL work starts; if the process still holds the viewer in its cache (2 s), the
  fields that need the database answer ``UNAVAILABLE`` instead (HTTP 200).
- an anonymous query: HTTP 200 with the field's error coded ``UNAVAILABLE`` and the same sentence.
- after the database is back, the next request succeeds (closed or idle pooled connections are replaced
  on checkout, ``server.db``), in the same process.
- when the network swallows packets instead, requests wait for asyncpg's 60 s connect timeout or for the
  kernel's TCP timeout on a pooled connection: ``xfail``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from server.db import Database
from tests.conftest import PG_ADMIN_URL
from tests.faults.consistency import assert_training_requests_consistent, claimed_trainings, states
from tests.faults.proxy import PgProxy, pg_proxy
from tests.multiprocess.servers import ACT, Server, running_servers, token

PUBLIC = "{ units(first: 1) { edges { node { code } } } }"
# the viewer may come from the process's viewer cache; the units need the database
SIGNED_IN = "{ viewer { userId } units(first: 1) { edges { node { code } } } }"
QUICK = 5.0  # seconds: what "answers quickly" means while the database is away


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _ask(
    server: Server,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    user: str | None = None,
    seconds: float = 30.0,
) -> tuple[httpx.Response, float]:
    """One request on a fresh connection (a pooled one may have been closed by a 500); the answer and its time."""
    headers = {"Authorization": f"Bearer {token(user)}"} if user else {}
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=httpx.Timeout(seconds, connect=5.0)) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response, time.monotonic() - started


async def _ready(server: Server, seconds: float = 30.0) -> tuple[int, float]:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=seconds) as http:
        response = await http.get("/readyz")
    return response.status_code, time.monotonic() - started


def _ok(response: httpx.Response) -> bool:
    return response.status_code == 200 and "errors" not in response.json()


def _clear_and_retryable(response: httpx.Response) -> bool:
    """503 (with a body that is not the generic one), or GraphQL errors that say to retry."""
    if response.status_code == 503:
        return "Internal Server Error" not in response.text
    if response.status_code != 200 or "application/json" not in response.headers.get("content-type", ""):
        return False
    errors = response.json().get("errors") or []
    return bool(errors) and all(
        "retry" in e.get("message", "").lower() or (e.get("extensions") or {}).get("code") == "UNAVAILABLE"
        for e in errors
    )


async def _stream(
    server: Server,
    request_ids: list[int],
    verifier: str,
    outcomes: Counter[str],
    slowest: list[float],
    flowing: asyncio.Event | None = None,
) -> list[int]:
    """``verify`` each request once from four clients; the ids that were not answered OK."""
    queue = list(request_ids)
    failed: list[int] = []

    async def client() -> None:
        while queue:
            rid = queue.pop(0)
            try:
                response, took = await _ask(
                    # an idempotency key makes the retry safe: a step whose commit landed just as the
                    # connection was cut answers its first result again instead of CONFLICT
                    server,
                    ACT,
                    {"input": {"requestId": str(rid), "action": "verify", "idempotencyKey": f"verify-{rid}"}},
                    user=verifier,
                )
            except httpx.TransportError as exc:
                outcomes[type(exc).__name__] += 1
                failed.append(rid)
                continue
            slowest.append(took)
            if _ok(response) and not response.json()["data"]["act"]["errors"]:
                outcomes["OK"] += 1
                if flowing is not None and outcomes["OK"] >= 2:
                    flowing.set()
            else:
                outcomes[f"HTTP {response.status_code}"] += 1
                failed.append(rid)
            await asyncio.sleep(0.02)

    await asyncio.gather(*(client() for _ in range(4)))
    return failed


@pytest.mark.postgres
async def test_cut_under_load_fails_fast_then_recovers_without_restarting_asnflow(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    db = Database(pg_seeded_url)
    try:
        prepared = await claimed_trainings(db, 30)
        verifier = prepared.people["bkd_verifier"]
        with pg_proxy(pg_seeded_url) as proxy, running_servers(proxy.url_for(pg_seeded_url), 1, tmp_path) as (server,):
            pid = server.process.pid
            outcomes: Counter[str] = Counter()
            took: list[float] = []

            flowing = asyncio.Event()

            async def outage() -> None:
                await flowing.wait()  # cut once the stream is flowing, however slow the machine is today
                proxy.cut()
                status, ready_took = await _ready(server)
                assert status == 503 and ready_took < QUICK
                await asyncio.sleep(1.0)
                proxy.restore()

            failed, _ = await asyncio.wait_for(
                asyncio.gather(_stream(server, prepared.request_ids, verifier, outcomes, took, flowing), outage()), 120
            )
            assert outcomes["OK"] > 0 and failed, f"the cut should have hit the stream: {outcomes}"
            assert max(took) < QUICK, f"an answer took {max(took):.1f}s while the database was away"

            # back: the same process answers again, and the failed steps go through on a retry
            assert (await _ready(server))[0] == 200
            retried: Counter[str] = Counter()
            again = await _stream(server, failed, verifier, retried, took)
            assert (again, retried) == ([], Counter({"OK": len(failed)})), retried
            assert server.process.poll() is None and server.process.pid == pid
        assert set((await states(db, prepared.request_ids)).values()) == {"verified"}
        await assert_training_requests_consistent(db, prepared.request_ids)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_readyz_and_healthz_while_cut_and_after(pg_seeded_url: str, tmp_path: Path) -> None:
    with pg_proxy(pg_seeded_url) as proxy, running_servers(proxy.url_for(pg_seeded_url), 1, tmp_path) as (server,):
        assert (await _ready(server))[0] == 200
        proxy.cut()
        status, took = await _ready(server)
        assert status == 503 and took < QUICK
        async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as http:
            ready = await http.get("/readyz")
            assert ready.json() == {"status": "unavailable", "reason": "database unreachable"}
            assert (await http.get("/healthz")).status_code == 200  # the process itself is fine
        proxy.restore()
        assert (await _ready(server))[0] == 200


async def _outage_answers(pg_seeded_url: str, tmp_path: Path, user_key: str | None, query: str) -> httpx.Response:
    db = Database(pg_seeded_url)
    try:
        from server.seed import persona_user_ids

        user = (await persona_user_ids(db))[user_key] if user_key else None
    finally:
        await db.dispose()
    with pg_proxy(pg_seeded_url) as proxy, running_servers(proxy.url_for(pg_seeded_url), 1, tmp_path) as (server,):
        assert _ok((await _ask(server, query, user=user))[0])
        proxy.cut()
        response, took = await _ask(server, query, user=user)
        assert took < QUICK
        proxy.restore()
        assert _ok((await _ask(server, query, user=user))[0]), "not back after the restore"
        return response


@pytest.mark.postgres
async def test_an_authenticated_request_while_cut_gets_a_clear_retryable_error(
    pg_seeded_url: str, tmp_path: Path
) -> None:
    response = await _outage_answers(pg_seeded_url, tmp_path, "auditor", SIGNED_IN)
    assert _clear_and_retryable(response), (response.status_code, response.text)


@pytest.mark.postgres
async def test_an_anonymous_query_while_cut_gets_a_clear_retryable_error(pg_seeded_url: str, tmp_path: Path) -> None:
    response = await _outage_answers(pg_seeded_url, tmp_path, None, PUBLIC)
    assert _clear_and_retryable(response), (response.status_code, response.text)


@pytest.mark.postgres
async def test_terminated_backends_are_replaced_without_an_error(pg_seeded_url: str, tmp_path: Path) -> None:
    """What a PostgreSQL restart does to the pool: every backend gone; closed connections are replaced on checkout."""
    db = Database(pg_seeded_url)
    try:
        prepared = await claimed_trainings(db, 6)
    finally:
        await db.dispose()
    verifier = prepared.people["bkd_verifier"]
    with running_servers(pg_seeded_url, 1, tmp_path) as (server,):
        for rid in prepared.request_ids[:3]:
            response, _ = await _ask(server, ACT, {"input": {"requestId": str(rid), "action": "verify"}}, user=verifier)
            assert _ok(response)
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                _database_name(pg_seeded_url),
            )
        finally:
            await admin.close()
        assert killed >= 1
        for rid in prepared.request_ids[3:]:
            response, took = await _ask(
                server, ACT, {"input": {"requestId": str(rid), "action": "verify"}}, user=verifier
            )
            assert _ok(response) and not response.json()["data"]["act"]["errors"], response.text
            assert took < QUICK
    db = Database(pg_seeded_url)
    try:
        found = await assert_training_requests_consistent(db, prepared.request_ids)
        assert set(found.values()) == {"verified"}
    finally:
        await db.dispose()


async def _frozen_answer(server: Server, proxy: PgProxy, query: str, user: str | None) -> tuple[str, float]:
    proxy.freeze()
    try:
        response, took = await _ask(server, query, user=user, seconds=15.0)
        return f"HTTP {response.status_code}: {response.text[:120]}", took
    except httpx.TimeoutException:
        return "no answer", 15.0
    finally:
        proxy.thaw()


@pytest.mark.postgres
@pytest.mark.xfail(
    strict=True,
    reason="BUG: server/db.py sets no connect or statement timeout, so when the network to PostgreSQL "
    "swallows packets a request waits (asyncpg's 60 s connect timeout, or TCP retransmission on a pooled "
    "connection) instead of failing quickly",
)
async def test_a_partitioned_database_is_answered_quickly(pg_seeded_url: str, tmp_path: Path) -> None:
    db = Database(pg_seeded_url)
    try:
        from server.seed import persona_user_ids

        user = (await persona_user_ids(db))["auditor"]
    finally:
        await db.dispose()
    with pg_proxy(pg_seeded_url) as proxy, running_servers(proxy.url_for(pg_seeded_url), 1, tmp_path) as (server,):
        assert _ok((await _ask(server, PUBLIC, user=user))[0])
        # a query that needs the database (the viewer alone may come from the process's viewer cache)
        answer, took = await _frozen_answer(server, proxy, PUBLIC, user)
        # whatever the answer, back after the thaw without a restart
        assert _ok((await _ask(server, PUBLIC, user=user))[0])
        assert took < QUICK, f"{answer} after {took:.1f}s"
