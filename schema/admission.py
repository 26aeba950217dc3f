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
"""

from __future__ import annotations

import asyncio

from schema.http import ASGIApp, Message, Receive, Scope, Send, send_json
from schema.metrics import ADMISSION_WAITING

BUSY_MESSAGE = "the server is busy; nothing was done, retry in a moment"
BUSY_BODY = {"errors": [{"message": BUSY_MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]}
QUEUED_PATHS = frozenset({"/graphql"})


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._places = asyncio.Semaphore(limit) if limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._places is None or scope["type"] != "http" or scope.get("path") not in QUEUED_PATHS:
            await self.app(scope, receive, send)
            return
        messages = await _whole_body(receive)
        if messages[-1]["type"] == "http.disconnect":
            return  # the client left before it finished sending: nothing to do
        ADMISSION_WAITING.inc()
        try:
            await asyncio.wait_for(self._places.acquire(), self.wait_seconds)
        except TimeoutError:
            await send_json(send, 503, BUSY_BODY, [(b"retry-after", b"1")])
            return
        finally:
            ADMISSION_WAITING.dec()
        held = True

        def release() -> None:
            nonlocal held
            if held and self._places is not None:
                held = False
                self._places.release()

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
