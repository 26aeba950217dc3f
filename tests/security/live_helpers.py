"""Subscriptions against real servers: a graphql-transport-ws client holding several operations, the server's
own count of what it did with each change (``/metrics``), and the demo steps that make changes over HTTP.

Nothing here waits a fixed time: a test waits for a message, or for a counter on ``/metrics`` to reach a
value, each with a generous bound (``WAIT``) that only a broken server reaches.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx

from server.seed import TRANSFER_TARGET_POSITION
from tests.multiprocess.servers import Server, graphql
from tests.security.transport_helpers import WAIT, Session, token

TMT = dt.date(2026, 12, 1)
TASK_ASSIGNED = "subscription { taskAssigned { id step role unitCode request { id kind state } } }"
REQUEST_CHANGED = "subscription($id: ID!) { requestChanged(id: $id) { id state version subject { nip } } }"
PROPOSE_TRANSFER = """
mutation($input: ProposeTransferInput!) {
  proposeTransfer(input: $input) { request { id state version } errors { code message } }
}
"""
PROPOSE_TRAINING = """
mutation($input: ProposeTrainingInput!) {
  proposeTraining(input: $input) { request { id state version } errors { code message } }
}
"""
ACT = """
mutation($input: ActInput!) { act(input: $input) { request { id state version } errors { code message } } }
"""
GRANT = "mutation($input: GrantRoleInput!) { grantRole(input: $input) { errors { code message } } }"
REVOKE = "mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { errors { code message } } }"


class Live:
    """One signed-in graphql-transport-ws connection with any number of subscriptions on it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids = 0
        self._inbox: dict[str, list[dict[str, Any]]] = {}

    async def sign_in(self, user_id: str, ttl_seconds: int | None = None) -> None:
        ack = await self.session.init({"Authorization": f"Bearer {token(user_id, ttl_seconds)}"})
        assert ack["type"] == "connection_ack", ack

    async def subscribe(self, query: str, **variables: Any) -> str:
        self._ids += 1
        op = f"s{self._ids}"
        await self.session.send({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}})
        return op

    async def message(self, op: str) -> dict[str, Any]:
        """The next message of operation ``op`` (those of other operations are kept for later)."""
        while not self._inbox.get(op):
            message = await self.session.receive()
            self._inbox.setdefault(str(message.get("id")), []).append(message)
        return self._inbox[op].pop(0)

    async def next_data(self, op: str) -> dict[str, Any]:
        message = await self.message(op)
        assert message["type"] == "next" and "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def refusal(self, op: str) -> dict[str, Any]:
        """The one error a subscription was refused with (its ``error`` message: it never started)."""
        message = await self.message(op)
        assert message["type"] == "error" and len(message["payload"]) == 1, message
        error: dict[str, Any] = message["payload"][0]
        return error


async def metric(client: httpx.AsyncClient, server: Server, name: str, **labels: str) -> float:
    """The sum of a metric's samples on ``server`` whose labels include ``labels``."""
    text = (await client.get(f"{server.base_url}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        found = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if found is None or found.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', found.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(found.group(3))
    return total


async def wait_metric(client: httpx.AsyncClient, server: Server, name: str, at_least: float, **labels: str) -> None:
    """Until the server's ``name`` reaches ``at_least`` (a subscription set up, a change worked on)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while (value := await metric(client, server, name, **labels)) < at_least:
        assert loop.time() < deadline, f"{name}{labels} stayed at {value}, expected {at_least}"
        await asyncio.sleep(0.05)


async def subscribed(client: httpx.AsyncClient, server: Server, field: str, count: int = 1) -> None:
    """Until ``count`` subscriptions to ``field`` are set up on ``server`` (listening for changes)."""
    await wait_metric(client, server, "asnflow_subscriptions_open", count, subscription=field)


async def worked_on(client: httpx.AsyncClient, server: Server, field: str, outcome: str) -> float:
    return await metric(client, server, "asnflow_subscription_events_total", subscription=field, outcome=outcome)


async def as_user(
    client: httpx.AsyncClient, server: Server, user_id: str, query: str, **variables: Any
) -> dict[str, Any]:
    return await graphql(client, server, query, variables, user_id)


async def propose_transfer(client: httpx.AsyncClient, server: Server, head: str, nip: str) -> dict[str, Any]:
    """The origin head proposes (and so releases) the transfer of ``nip`` into the target head's unit."""
    data = await as_user(
        client,
        server,
        head,
        PROPOSE_TRANSFER,
        input={"employeeNip": nip, "targetPositionCode": TRANSFER_TARGET_POSITION, "effectiveDate": TMT.isoformat()},
    )
    payload: dict[str, Any] = data["proposeTransfer"]
    assert payload["errors"] == [], payload
    return payload["request"]  # type: ignore[no-any-return]


async def propose_training(client: httpx.AsyncClient, server: Server, employee: str) -> dict[str, Any]:
    """The employee asks for a training: a request that stays inside their own unit."""
    data = await as_user(
        client,
        server,
        employee,
        PROPOSE_TRAINING,
        input={"employeeNip": employee, "title": "Pelayanan publik prima", "hours": 16, "date": "2026-11-20"},
    )
    payload: dict[str, Any] = data["proposeTraining"]
    assert payload["errors"] == [], payload
    return payload["request"]  # type: ignore[no-any-return]


async def act(
    client: httpx.AsyncClient, server: Server, user_id: str, request_id: str, action: str, **extra: Any
) -> dict[str, Any]:
    data = await as_user(client, server, user_id, ACT, input={"requestId": request_id, "action": action, **extra})
    return data["act"]  # type: ignore[no-any-return]


async def acted(
    client: httpx.AsyncClient, server: Server, user_id: str, request_id: str, action: str
) -> dict[str, Any]:
    payload = await act(client, server, user_id, request_id, action)
    assert payload["errors"] == [], payload
    return payload["request"]  # type: ignore[no-any-return]
