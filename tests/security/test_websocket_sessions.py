"""A WebSocket session cannot outlive its token or its grants, and is held to the same limits as HTTP.

Against a real server (uvicorn on a loopback port) with a graphql-transport-ws client: an expired
token closes the socket (4401) even when it is idle; a revoked grant refuses the very next operation
on a socket opened before the revocation; an oversized message closes the socket (1009); a bad
token in ``connection_init`` closes it (4401), is counted and is audited through the same flood gate
as HTTP's; the legacy protocol is not offered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.db import Database
from server.models import AuditEvent, RoleGrant
from server.seed import persona_user_ids
from tests.multiprocess.servers import Server
from tests.security.transport_helpers import PROTOCOL, AsgiSocket, one_server, session, token

ROLES = "{ viewer { userId roles { role } } }"
AUDIT = "{ auditEvents(first: 1) { edges { node { seq } } } }"
REVOKE = """
mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { errors { code message } } }
"""


@pytest.fixture
async def people(seeded_db: Database) -> dict[str, str]:
    return await persona_user_ids(seeded_db)


@pytest.fixture
def server(seeded_db_url: str, tmp_path: Path) -> Iterator[Server]:
    with one_server(seeded_db_url, tmp_path) as running:
        yield running


async def test_an_idle_socket_is_closed_when_its_token_expires(server: Server, people: dict[str, str]) -> None:
    async with session(server) as ws:
        ack = await ws.init({"Authorization": f"Bearer {token(people['auditor'], ttl_seconds=2)}"})
        assert ack["type"] == "connection_ack"
        assert (await ws.execute(ROLES))["data"]["viewer"]["userId"] == people["auditor"]
        closed = await ws.closed()  # nothing sent: the server closes on its own at the token's exp
    assert closed.code == 4401
    assert "expired" in closed.reason


async def test_a_token_in_the_handshake_header_bounds_the_session_too(server: Server, people: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {token(people['auditor'], ttl_seconds=2)}"}
    async with session(server, headers) as ws:
        assert (await ws.init())["type"] == "connection_ack"
        assert (await ws.execute(ROLES))["data"]["viewer"]["userId"] == people["auditor"]
        closed = await ws.closed()
    assert closed.code == 4401


async def test_a_revoked_grant_refuses_the_next_operation_on_an_open_socket(
    server: Server, people: dict[str, str]
) -> None:
    auditor = people["auditor"]
    async with session(server) as ws:
        await ws.init({"Authorization": f"Bearer {token(auditor)}"})
        before = await ws.execute(ROLES)
        assert "auditor" in {r["role"] for r in before["data"]["viewer"]["roles"]}
        assert (await ws.execute(AUDIT))["data"]["auditEvents"]["edges"], "an auditor reads the audit log"

        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            revoked = await http.post(
                "/graphql",
                json={"query": REVOKE, "variables": {"input": {"userId": auditor, "role": "auditor"}}},
                headers={"Authorization": f"Bearer {token(people['admin'])}"},
            )
        assert revoked.status_code == 200 and revoked.json()["data"]["revokeRole"]["errors"] == [], revoked.text

        after = await ws.execute(ROLES)
        assert "auditor" not in {r["role"] for r in after["data"]["viewer"]["roles"]}
        refused = await ws.execute(AUDIT)
    assert not (refused.get("data") or {}).get("auditEvents", {}).get("edges"), refused


async def test_a_grant_revoked_by_another_process_applies_to_the_next_operation_whatever_the_cache(
    seeded_db: Database, seeded_db_url: str, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server caches viewers for an hour here, and hears of nothing: each WebSocket operation still reads the grants."""
    monkeypatch.setenv("ASNFLOW_VIEWER_CACHE_SECONDS", "3600")
    auditor = people["auditor"]
    with one_server(seeded_db_url, tmp_path) as running:
        async with session(running) as ws:
            await ws.init({"Authorization": f"Bearer {token(auditor)}"})
            assert "auditor" in {r["role"] for r in (await ws.execute(ROLES))["data"]["viewer"]["roles"]}
            async with seeded_db.write() as s:
                await s.execute(
                    update(RoleGrant)
                    .where(RoleGrant.user_id == auditor, RoleGrant.role == "auditor")
                    .values(revoked_at=dt.datetime.now(dt.UTC))
                )
            after = await ws.execute(ROLES)
    assert "auditor" not in {r["role"] for r in after["data"]["viewer"]["roles"]}


async def test_a_message_over_the_size_limit_closes_the_socket(server: Server, people: dict[str, str]) -> None:
    async with session(server) as ws:
        await ws.init({"Authorization": f"Bearer {token(people['auditor'])}"})
        padding = " " * 70_000  # over the default ASNFLOW_MAX_WS_MESSAGE_BYTES of 65,536
        await ws.send({"id": "big", "type": "subscribe", "payload": {"query": "{ viewer { userId } }" + padding}})
        closed = await ws.closed()
    assert closed.code == 1009


async def test_a_bad_token_in_connection_init_closes_the_socket(server: Server, people: dict[str, str]) -> None:
    async with session(server) as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}})
        closed = await ws.closed()
    assert closed.code == 4401


async def test_bad_connection_init_tokens_are_counted_every_time_and_audited_once_per_address(
    seeded_db: Database, seeded_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASNFLOW_TOKEN_REJECTION_AUDIT_SECONDS", "3600")  # a window no test run outlasts
    with one_server(seeded_db_url, tmp_path) as server, httpx.Client(base_url=server.base_url) as http:
        before = rejections_counted(http)
        for i in range(20):
            async with session(server) as ws:
                await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer forged.{i}"}})
                assert (await ws.closed()).code == 4401
        assert rejections_counted(http) == before + 20
    async with seeded_db.read() as s:
        events = (await s.execute(select(AuditEvent).where(AuditEvent.action == "auth.token_rejected"))).scalars()
        (event,) = list(events)
    assert event.actor == "anonymous"
    assert event.after == {"source": "127.0.0.1", "refusals": 1}  # the first is audited at once, the rest counted


def rejections_counted(http: httpx.Client) -> float:
    match = re.search(r"^asnflow_token_rejections_total (\S+)$", http.get("/metrics").text, re.M)
    assert match is not None
    return float(match.group(1))


async def test_a_token_past_the_maximum_lifetime_is_refused_at_connection_init(
    server: Server, people: dict[str, str]
) -> None:
    import time

    import jwt

    from tests.multiprocess.servers import SECRET

    now = int(time.time())
    forever = jwt.encode({"sub": people["admin"], "iat": now, "exp": now + 30 * 86400}, SECRET, algorithm="HS256")
    async with session(server) as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {forever}"}})
        closed = await ws.closed()
    assert closed.code == 4401
    assert "more than" in closed.reason


async def test_the_header_and_connection_init_cannot_name_two_users(server: Server, people: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {token(people['employee'])}"}
    async with session(server, headers) as ws:
        await ws.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token(people['admin'])}"}})
        closed = await ws.closed()
    assert closed.code == 4400


async def test_an_expired_token_in_the_handshake_is_refused_before_the_socket_opens(
    server: Server, people: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {token(people['admin'], ttl_seconds=-5)}"}
    with pytest.raises(InvalidStatus):
        async with session(server, headers):
            pass


async def test_the_legacy_graphql_ws_protocol_is_not_offered(server: Server) -> None:
    url = f"ws://127.0.0.1:{server.port}/graphql"
    async with connect(url, subprotocols=["graphql-ws"], proxy=None) as ws:  # type: ignore[list-item]
        with pytest.raises(Exception) as closed:
            await asyncio.wait_for(ws.recv(), 30)
    assert getattr(getattr(closed.value, "rcvd", None), "code", None) == 4406
    assert PROTOCOL == "graphql-transport-ws"


async def test_a_websocket_operation_waits_for_a_place_in_the_admission_queue(db: Database, db_url: str) -> None:
    """The places are shared with HTTP: with every place taken, an operation is refused as busy, having done nothing."""
    from schema.admission import BUSY_MESSAGE, Admission
    from schema.app import AsnflowGraphQL
    from tests.schema.conftest import make_settings

    admission = Admission(limit=1, wait_seconds=0.05)
    async with AsgiSocket(AsnflowGraphQL(db, make_settings(db_url), admission)) as ws:
        await ws.send({"type": "connection_init", "payload": {}})
        assert (await ws.receive())["type"] == "connection_ack"
        assert await admission.enter()  # someone else holds the only place
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        busy = await ws.receive()
        assert busy["type"] == "error" and busy["payload"][0]["message"] == BUSY_MESSAGE
        admission.leave()
        await ws.send({"id": "2", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        assert await ws.receive() == {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}
        assert await ws.receive() == {"id": "2", "type": "complete"}
        assert await asyncio.wait_for(admission.enter(), 5), "the operation gave its place back"
