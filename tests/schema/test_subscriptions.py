"""The live inbox over graphql-transport-ws, against real servers: ``taskAssigned`` and ``requestChanged``.

Changes are made over HTTP (as another person's client would) and heard on a WebSocket; on PostgreSQL a
change made on one server process reaches a subscriber on another (LISTEN/NOTIFY). Events are hints sent
after commit: a refused or rolled-back act sends none.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from schema.admission import Admission
from schema.app import AsnflowGraphQL
from schema.subscriptions import BEHIND_MESSAGE, OVER_HTTP_MESSAGE
from server.auth import issue_token
from server.db import Database
from server.events import BUS, RequestChanged
from server.seed import persona_user_ids
from tests.conftest import BACKEND
from tests.multiprocess.servers import Server, running_servers
from tests.schema.conftest import Api, make_settings
from tests.security.live_helpers import (
    REQUEST_CHANGED,
    TASK_ASSIGNED,
    Live,
    act,
    acted,
    propose_transfer,
    subscribed,
)
from tests.security.transport_helpers import WAIT, AsgiSocket, one_server, session


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


@pytest.fixture
async def people(seeded_db: Database) -> dict[str, str]:
    return await persona_user_ids(seeded_db)


@pytest.fixture
def server(seeded_db_url: str, tmp_path: Path) -> Iterator[Server]:
    with one_server(seeded_db_url, tmp_path) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def test_a_target_head_hears_of_the_task_when_a_transfer_is_proposed_into_their_unit(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["target_head"])
        inbox = await live.subscribe(TASK_ASSIGNED)
        await subscribed(http, server, "taskAssigned")

        request = await propose_transfer(http, server, people["unit_head"], people["employee"])

        task = (await live.next_data(inbox))["taskAssigned"]
    assert task["request"] == {"id": request["id"], "kind": "TRANSFER", "state": request["state"]}
    assert (task["step"], task["role"], task["unitCode"]) == ("released", "unit_head", "KEL-GAMBIR-02")


async def test_request_changed_delivers_the_request_after_each_step(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    request = await propose_transfer(http, server, people["unit_head"], people["employee"])
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["bkd_verifier"])
        changes = await live.subscribe(REQUEST_CHANGED, id=request["id"])
        await subscribed(http, server, "requestChanged")
        for persona, action in [("target_head", "accept"), ("bkd_verifier", "verify"), ("board_member", "recommend")]:
            after = await acted(http, server, people[persona], request["id"], action)
            heard = (await live.next_data(changes))["requestChanged"]
            assert (heard["id"], heard["state"], heard["version"]) == (after["id"], after["state"], after["version"])
            assert heard["subject"] == {"nip": people["employee"]}


async def test_a_refused_or_conflicting_act_sends_no_event(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    """Nothing is sent for an act that was refused or rolled back: the next message is the next committed step."""
    request = await propose_transfer(http, server, people["unit_head"], people["employee"])
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["auditor"])
        changes = await live.subscribe(REQUEST_CHANGED, id=request["id"])
        await subscribed(http, server, "requestChanged")

        forbidden = await act(http, server, people["bkd_verifier"], request["id"], "verify")  # not yet accepted
        stale = await act(
            http, server, people["target_head"], request["id"], "accept", expectedVersion=request["version"] - 1
        )
        assert forbidden["errors"] and stale["errors"], (forbidden, stale)

        accepted = await acted(http, server, people["target_head"], request["id"], "accept")
        first = (await live.next_data(changes))["requestChanged"]
        verified = await acted(http, server, people["bkd_verifier"], request["id"], "verify")
        second = (await live.next_data(changes))["requestChanged"]
    assert (first["state"], first["version"]) == (accepted["state"], accepted["version"])
    assert (second["state"], second["version"]) == (verified["state"], verified["version"]), (
        "one message per committed change: a refused act would have sent one more"
    )


async def test_the_socket_closes_when_the_token_expires_during_a_subscription(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["target_head"], ttl_seconds=3)
        await live.subscribe(TASK_ASSIGNED)
        await subscribed(http, server, "taskAssigned")
        closed = await ws.closed()
    assert closed.code == 4401
    assert "expired" in closed.reason


async def test_a_subscription_gives_its_admission_place_back_once_set_up(db: Database, db_url: str) -> None:
    """With one place in all, a subscription that is listening leaves it free for the next request."""
    settings = make_settings(db_url)
    admission = Admission(limit=1, wait_seconds=10)
    async with AsgiSocket(AsnflowGraphQL(db, settings, admission)) as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {issue_token(settings, 'x')}"}})
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": "subscription { taskAssigned { id } }"}})
        await until(lambda: len(BUS) == 1)  # set up: listening for changes
        await ws.send({"id": "2", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        answer = await ws.receive()
        assert answer == {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}, (
            "the query found the only place free although a subscription is open"
        )


async def test_a_subscriber_that_falls_behind_is_ended_with_a_request_to_reload_and_never_holds_the_publisher(
    db: Database, db_url: str
) -> None:
    """Its queue holds one change; while it waits for a place, three arrive: the publisher does not wait for it."""
    settings = make_settings(db_url, subscription_queue_size=1)
    admission = Admission(limit=1, wait_seconds=WAIT)
    async with AsgiSocket(AsnflowGraphQL(db, settings, admission)) as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {issue_token(settings, 'x')}"}})
        assert (await ws.receive())["type"] == "connection_ack"
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": "subscription { taskAssigned { id } }"}})
        await until(lambda: len(BUS) == 1)
        assert await admission.enter()  # the subscription cannot work on anything until this place is free
        for request_id in (1, 2, 3):
            BUS.publish(RequestChanged(request_id, "request.verify"))
        assert len(BUS) == 0, "the subscriber fell behind and is off the bus"
        admission.leave()
        ended = await ws.receive()
        assert (await ws.receive()) == {"id": "1", "type": "complete"}
    assert ended["type"] == "next" and ended["payload"]["data"] is None
    assert ended["payload"]["errors"][0]["message"] == BEHIND_MESSAGE
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite is one server process; fan-out is PostgreSQL's")
async def test_a_change_made_on_one_server_process_reaches_a_subscriber_on_another(
    seeded_db_url: str, people: dict[str, str], tmp_path: Path, http: httpx.AsyncClient
) -> None:
    with running_servers(seeded_db_url, 2, tmp_path) as (a, b):
        async with session(b) as ws:
            live = Live(ws)
            await live.sign_in(people["target_head"])
            inbox = await live.subscribe(TASK_ASSIGNED)
            await subscribed(http, b, "taskAssigned")

            request = await propose_transfer(http, a, people["unit_head"], people["employee"])
            task = (await live.next_data(inbox))["taskAssigned"]
            assert task["request"]["id"] == request["id"]

            changes = await live.subscribe(REQUEST_CHANGED, id=request["id"])
            await subscribed(http, b, "requestChanged")
            accepted = await acted(http, a, people["target_head"], request["id"], "accept")
            heard = (await live.next_data(changes))["requestChanged"]
    assert (heard["state"], heard["version"]) == (accepted["state"], accepted["version"])


async def test_a_subscription_sent_over_http_is_told_where_subscriptions_are_served(api: Api) -> None:
    response = await api.post("subscription { taskAssigned { id } }", as_user="someone")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == OVER_HTTP_MESSAGE
