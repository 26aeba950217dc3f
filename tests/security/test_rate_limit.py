"""Anonymous clients are rate limited per address (a token bucket); signed-in clients are not.

Found: anyone without a token could send requests as fast as the server answered them and keep every
admission place busy. Now each client address has a bucket (``ASNFLOW_ANONYMOUS_BURST`` requests,
refilled at ``ASNFLOW_ANONYMOUS_RATE_PER_SECOND``); an empty bucket is HTTP 429 with ``Retry-After``.
The clock is injected: the tests prove the mechanism, not a speed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import func, select

from schema.app import create_app
from schema.ratelimit import TokenBuckets
from server.auth import issue_token
from server.models import AuditEvent
from server.settings import load_settings
from tests.api.helpers import DemoApi
from tests.schema.conftest import StatementCounter

TYPENAME = {"query": "{ __typename }"}
ACT = {"query": 'mutation { act(input: {requestId: "1", action: "release"}) { errors { code } } }'}
POSITIONS = {"query": "{ positions(first: 5) { edges { node { code } } } }"}


@asynccontextmanager
async def client_from(
    demo: DemoApi, address: str, *, rate: float = 0.001, burst: int = 3
) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(demo.settings, anonymous_rate_per_second=rate, anonymous_burst=burst)
    app = create_app(settings, demo.db)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_an_anonymous_client_over_its_burst_gets_429_with_retry_after_and_nothing_runs(demo: DemoApi) -> None:
    async with client_from(demo, "203.0.113.7") as client:
        for _ in range(3):
            assert (await client.post("/graphql", json=POSITIONS)).status_code == 200
        with StatementCounter(demo.db) as statements:
            refused = await client.post("/graphql", json=POSITIONS)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "retry in" in error["message"] and "ASNFLOW_ANONYMOUS_RATE_PER_SECOND" in error["message"]
    assert statements.count == 0


async def test_each_address_has_its_own_bucket(demo: DemoApi) -> None:
    settings = replace(demo.settings, anonymous_rate_per_second=0.001, anonymous_burst=2)
    app = create_app(settings, demo.db)
    answers = []
    for address in ["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers.append((await client.post("/graphql", json=TYPENAME)).status_code)
    assert answers == [200, 200, 429, 200]


async def test_a_signed_in_client_is_not_limited(demo: DemoApi) -> None:
    token = issue_token(demo.settings, demo.uid("admin"))
    async with client_from(demo, "203.0.113.9", burst=1) as client:
        for _ in range(5):
            response = await client.post("/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
        assert (await client.post("/graphql", json=TYPENAME)).status_code == 200
        assert (await client.post("/graphql", json=TYPENAME)).status_code == 429


async def test_health_readiness_and_metrics_are_never_limited(demo: DemoApi) -> None:
    async with client_from(demo, "203.0.113.10", burst=1) as client:
        for path in ["/healthz", "/readyz", "/metrics"] * 3:
            assert (await client.get(path)).status_code == 200


async def test_a_rate_limited_request_writes_no_audit_row(demo: DemoApi) -> None:
    async def audit_rows() -> int:
        async with demo.db.read() as session:
            return int((await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one())

    before = await audit_rows()
    async with client_from(demo, "203.0.113.11", burst=1) as client:
        await client.post("/graphql", json=TYPENAME)
        for _ in range(5):
            assert (await client.post("/graphql", json=ACT)).status_code == 429
    assert await audit_rows() == before


def fake_clock(start: float = 1000.0) -> tuple[Callable[[], float], Callable[[float], None]]:
    now = [start]

    def clock() -> float:
        return now[0]

    def advance(seconds: float) -> None:
        now[0] += seconds

    return clock, advance


def test_the_bucket_refills_at_the_rate_and_never_beyond_the_burst() -> None:
    clock, advance = fake_clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)  # one request is half a second away at 2 a second
    advance(0.5)
    assert buckets.take("a") == 0.0
    advance(3600)  # an hour idle refills to the burst, not to 7,200
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_the_least_recently_seen_clients_are_forgotten_first() -> None:
    clock, _ = fake_clock()
    buckets = TokenBuckets(rate=0.001, burst=1, max_clients=2, clock=clock)
    assert buckets.take("a") == 0.0
    assert buckets.take("b") == 0.0
    assert buckets.take("c") == 0.0  # "a" is dropped to keep two buckets
    assert buckets.take("c") > 0
    assert buckets.take("a") == 0.0  # a fresh bucket


def test_served_processes_limit_anonymous_clients_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASNFLOW_ANONYMOUS_RATE_PER_SECOND", raising=False)
    settings = load_settings()
    assert (settings.anonymous_rate_per_second, settings.anonymous_burst) == (10.0, 60)
    monkeypatch.setenv("ASNFLOW_ANONYMOUS_RATE_PER_SECOND", "0")
    assert load_settings().anonymous_rate_per_second == 0
