"""Refused tokens are counted, and audited at most once per source per window with the count.

Found: 300 requests with bad tokens wrote 300 audit rows (each a write transaction and a link of the
hash chain). Now ``/metrics`` counts every refusal, and the audit log gets one event per client address
per ``ASNFLOW_TOKEN_REJECTION_AUDIT_SECONDS`` (60) carrying how many were refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from schema.app import create_app
from server.audit.flood import FloodGate
from server.models import AuditEvent
from server.settings import load_settings
from tests.api.helpers import DemoApi

TYPENAME = {"query": "{ __typename }"}
COUNTER = re.compile(r"^asnflow_token_rejections_total (\S+)$", re.M)


async def rejection_events(demo: DemoApi) -> list[AuditEvent]:
    async with demo.db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == "auth.token_rejected").order_by(AuditEvent.seq)
        return list((await session.execute(query)).scalars())


async def rejections_counted(client: httpx.AsyncClient) -> float:
    match = COUNTER.search((await client.get("/metrics")).text)
    assert match is not None
    return float(match.group(1))


def clients(demo: DemoApi) -> Callable[[str], httpx.AsyncClient]:
    # A window no test run outlasts: the test proves the aggregation, not the clock.
    app = create_app(replace(demo.settings, token_rejection_audit_seconds=3600), demo.db)

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    return client


async def test_three_hundred_bad_tokens_write_one_audit_event_with_the_count(demo: DemoApi) -> None:
    make = clients(demo)
    async with make("203.0.113.20") as client:
        before = await rejections_counted(client)
        for i in range(300):
            response = await client.post("/graphql", json=TYPENAME, headers={"Authorization": f"Bearer forged.{i}"})
            assert response.status_code == 401
        assert await rejections_counted(client) == before + 300
    (event,) = await rejection_events(demo)
    assert event.after == {"source": "203.0.113.20", "refusals": 1}  # the first is audited at once


async def test_each_source_gets_its_own_event(demo: DemoApi) -> None:
    make = clients(demo)
    for address in ["203.0.113.21", "203.0.113.22", "203.0.113.21"]:
        async with make(address) as client:
            await client.post("/graphql", json=TYPENAME, headers={"Authorization": "Bearer nonsense"})
    events = await rejection_events(demo)
    assert [e.after["source"] for e in events if e.after] == ["203.0.113.21", "203.0.113.22"]


def test_the_first_refusal_after_the_window_carries_every_refusal_since_the_last_event() -> None:
    now = [0.0]
    gate = FloodGate(window_seconds=60, clock=lambda: now[0])
    assert gate.admit("a") == 0  # written at once, nothing unwritten before it
    assert [gate.admit("a") for _ in range(299)] == [None] * 299
    now[0] = 59.9
    assert gate.admit("a") is None
    now[0] = 60.0
    assert gate.admit("a") == 300  # written, carrying the 299 + the one at 59.9 not written (301 refusals)
    assert gate.admit("b") == 0


def test_the_window_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASNFLOW_TOKEN_REJECTION_AUDIT_SECONDS", "5")
    assert load_settings().token_rejection_audit_seconds == 5.0
