"""Admission: at most N GraphQL requests of this process run at once; the rest wait their turn, in order.

Without it every request that arrives starts at once. Under more load than the machine can serve,
all of them then share the one event loop: a request that holds a lock (SQLite's write lock, the audit
chain head on PostgreSQL) waits behind every other request's CPU slices at each ``await``, and a
request that needs several pool connections in turn queues for each. The result measured in
bench/RESULTS.md was a long tail: at 50 clients on SQLite some answers took over 10 s while the median
was under 1 s. With admission a request waits once, first come first served, and then runs with little
competition, so its latency is its queue time plus its own work.

The body is read before a request queues (it is limited by ``BodyLimitMiddleware`` outside), so slow
or idle clients never hold a place. The place is given back when the response starts. A request that
waits longer than ``wait_seconds`` is answered 503 with ``Retry-After``, having done nothing. Health,
readiness and metrics are not queued. ``limit`` 0 switches admission off.

WebSocket operations share the same places (``Admission``): the middleware lets the WebSocket
connection through, and schema/websocket.py takes a place for each operation it runs, giving it back
when the operation's first message is sent, as an HTTP request gives it back when its response starts.
"""

from __future__ import annotations

import asyncio

from schema.http import ASGIApp, Message, Receive, Scope, Send, send_json
from schema.metrics import ADMISSION_WAITING

BUSY_MESSAGE = "the server is busy; nothing was done, retry in a moment"
BUSY_BODY = {"errors": [{"message": BUSY_MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]}
QUEUED_PATHS = frozenset({"/graphql"})


class Admission:
    """The places: ``enter`` waits for one (False after ``wait_seconds``), ``leave`` gives it back."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._places = asyncio.Semaphore(limit) if limit > 0 else None

    @property
    def enabled(self) -> bool:
        return self._places is not None

    async def enter(self) -> bool:
        if self._places is None:
            return True
        if not self._places.locked():  # a free place and nobody queued before us: take it without waiting
            await self._places.acquire()
            return True
        ADMISSION_WAITING.inc()
        try:
            await asyncio.wait_for(self._places.acquire(), self.wait_seconds)
        except TimeoutError:
            return False
        finally:
            ADMISSION_WAITING.dec()
        return True

    def leave(self) -> None:
        if self._places is not None:
            self._places.release()


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float, admission: Admission | None = None) -> None:
        self.app = app
        self.admission = admission or Admission(limit, wait_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.admission.enabled or scope["type"] != "http" or scope.get("path") not in QUEUED_PATHS:
            await self.app(scope, receive, send)
            return
        messages = await _whole_body(receive)
        if messages[-1]["type"] == "http.disconnect":
            return  # the client left before it finished sending: nothing to do
        if not await self.admission.enter():
            await send_json(send, 503, BUSY_BODY, [(b"retry-after", b"1")])
            return
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self.admission.leave()

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        async def send_and_release(message: Message) -> None:
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await self.app(scope, replay, send_and_release)
        finally:
            release()


async def _whole_body(receive: Receive) -> list[Message]:
    """The request's messages up to its last body part (or a disconnect)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages
