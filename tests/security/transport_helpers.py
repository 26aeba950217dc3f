"""A real ``asnflow`` server on a loopback port and a graphql-transport-ws client that speaks to it.

The WebSocket rules (expiry, revocation, admission, message size) are about a long-lived connection
to a running server, so they are proved against one: uvicorn started by the test
(tests/multiprocess/servers.py), the ``websockets`` client on the other end.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.auth import issue_token
from server.settings import Settings
from tests.multiprocess.servers import SECRET, Server, running_servers

PROTOCOL = "graphql-transport-ws"
WAIT = 30.0  # a bound on waiting for a message, so a broken server fails the test instead of hanging it


def token(user_id: str, ttl_seconds: int | None = None) -> str:
    return issue_token(Settings(secret=SECRET), user_id, ttl_seconds)


@contextlib.contextmanager
def one_server(database_url: str, workdir: Path) -> Iterator[Server]:
    with running_servers(database_url, 1, workdir) as servers:
        yield servers[0]


@dataclass
class Closed:
    code: int | None
    reason: str


class Session:
    """One graphql-transport-ws connection: ``init``, ``execute`` operations, see how it was closed."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def receive(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), WAIT)
        assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
        message: dict[str, Any] = orjson.loads(raw)
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``next`` payload of one operation, or ``{"errors": ...}`` from its ``error`` message."""
        self._ids += 1
        op_id = str(self._ids)
        await self.send({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        result: dict[str, Any] | None = None
        while True:
            message = await self.receive()
            assert message.get("id") == op_id, message
            if message["type"] == "next":
                result = message["payload"]
            elif message["type"] == "error":
                return {"errors": message["payload"]}
            elif message["type"] == "complete":
                assert result is not None, "complete without a result"
                return result

    async def closed(self) -> Closed:
        """How the server closed the connection (waiting for it, without sending anything)."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), WAIT)
        except ConnectionClosed as exc:
            return Closed(exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else "")


@contextlib.asynccontextmanager
async def session(server: Server, headers: dict[str, str] | None = None) -> AsyncIterator[Session]:
    url = f"ws://127.0.0.1:{server.port}/graphql"
    async with connect(
        url,
        subprotocols=[PROTOCOL],
        additional_headers=headers or {},
        proxy=None,
        max_size=None,  # type: ignore[list-item]
    ) as ws:
        yield Session(ws)


class AsgiSocket:
    """A graphql-transport-ws connection to an ASGI app in this event loop (no server, no thread)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AsgiSocket:
        scope = {"type": "websocket", "path": "/graphql", "headers": [], "subprotocols": [PROTOCOL], "state": {}}
        await self.inbox.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        accepted = await asyncio.wait_for(self.outbox.get(), WAIT)
        assert accepted["type"] == "websocket.accept", accepted
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.inbox.put({"type": "websocket.disconnect", "code": 1000})
        assert self.task is not None
        await asyncio.wait_for(self.task, WAIT)

    async def send(self, message: dict[str, Any]) -> None:
        await self.inbox.put({"type": "websocket.receive", "text": orjson.dumps(message).decode()})

    async def receive(self) -> dict[str, Any]:
        sent = await asyncio.wait_for(self.outbox.get(), WAIT)
        assert sent["type"] == "websocket.send" and sent.get("text") is not None, sent
        message: dict[str, Any] = orjson.loads(sent["text"])
        return message
