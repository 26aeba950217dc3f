"""Admission: at most N GraphQL requests run at once; the others wait once, first come first served."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from schema.admission import AdmissionMiddleware
from schema.http import Message, Receive, Scope, Send


class Inner:
    """An app that records who entered and answers when told to."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.bodies: list[bytes] = []
        self.go: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["name"]
        self.entered.append(name)
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await self.go.setdefault(name, asyncio.Event()).wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def release(self, name: str) -> None:
        self.go.setdefault(name, asyncio.Event()).set()


def scope(name: str, path: str = "/graphql") -> Scope:
    return {"type": "http", "path": path, "method": "POST", "headers": [], "name": name}


def body(*parts: bytes, delay: float = 0.0) -> Receive:
    chunks = list(parts)

    async def receive() -> Message:
        if chunks:
            await asyncio.sleep(delay)
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        await asyncio.Event().wait()  # no disconnect in these tests
        raise AssertionError("unreachable")

    return receive


class Sent:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.messages if m["type"] == "http.response.start"), None)

    def json(self) -> Any:
        return orjson.loads(b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"))


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_request_waits_until_a_place_is_free_and_then_runs() -> None:
    inner = Inner()
    app = AdmissionMiddleware(inner, limit=1, wait_seconds=5)
    first = asyncio.create_task(app(scope("a"), body(b"{}"), Sent()))
    second = asyncio.create_task(app(scope("b"), body(b"{}"), Sent()))
    await settle()
    assert inner.entered == ["a"]
    inner.release("a")
    await first
    await settle()
    assert inner.entered == ["a", "b"]
    inner.release("b")
    await second


async def test_waiting_requests_enter_in_the_order_they_arrived() -> None:
    inner = Inner()
    app = AdmissionMiddleware(inner, limit=1, wait_seconds=5)
    names = ["first", "second", "third", "fourth", "fifth"]
    tasks = []
    for name in names:
        tasks.append(asyncio.create_task(app(scope(name), body(b"{}"), Sent())))
        await settle()
    for name in names:
        inner.release(name)
        await settle()
    await asyncio.gather(*tasks)
    assert inner.entered == names


async def test_a_request_that_waits_too_long_is_answered_503_and_never_runs() -> None:
    inner = Inner()
    app = AdmissionMiddleware(inner, limit=1, wait_seconds=0.05)
    holder = asyncio.create_task(app(scope("holder"), body(b"{}"), Sent()))
    await settle()
    sent = Sent()
    await app(scope("late"), body(b"{}"), sent)
    assert sent.status == 503
    assert (b"retry-after", b"1") in sent.messages[0]["headers"]
    assert sent.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert inner.entered == ["holder"]
    inner.release("holder")
    await holder


async def test_a_slow_sender_does_not_hold_a_place_and_its_body_arrives_whole() -> None:
    inner = Inner()
    app = AdmissionMiddleware(inner, limit=1, wait_seconds=5)
    slow = asyncio.create_task(app(scope("slow"), body(b'{"query":', b' "{ x }"}', delay=0.2), Sent()))
    await settle()
    quick = asyncio.create_task(app(scope("quick"), body(b"{}"), Sent()))
    await settle()
    assert inner.entered == ["quick"]  # the slow one is still sending its body, outside the queue
    inner.release("quick")
    await quick
    inner.release("slow")
    await slow
    assert inner.bodies == [b"{}", b'{"query":']  # the app reads the buffered parts in order
    assert inner.entered == ["quick", "slow"]


async def test_health_checks_and_a_zero_limit_are_never_queued() -> None:
    inner = Inner()
    app = AdmissionMiddleware(inner, limit=1, wait_seconds=5)
    busy = asyncio.create_task(app(scope("busy"), body(b"{}"), Sent()))
    await settle()
    health = asyncio.create_task(app(scope("health", path="/healthz"), body(b""), Sent()))
    await settle()
    assert inner.entered == ["busy", "health"]
    inner.release("health")
    inner.release("busy")
    await asyncio.gather(busy, health)

    off = Inner()
    unlimited = AdmissionMiddleware(off, limit=0, wait_seconds=5)
    running = [asyncio.create_task(unlimited(scope(n), body(b"{}"), Sent())) for n in "abc"]
    await settle()
    assert off.entered == ["a", "b", "c"]
    for n in "abc":
        off.release(n)
    await asyncio.gather(*running)
