"""Request changes are announced after commit only, and no subscriber can hold the publisher.

On PostgreSQL the change travels through NOTIFY to this process's LISTEN connection; on SQLite it is handed
to the bus after commit. Either way a rolled-back transaction announces nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text

from server.audit.writer import AuditEntry
from server.db import Database
from server.event_listener import start_event_listener
from server.events import BUS, EventBus, RequestChanged, SubscriberBehind, announce, append_announced
from server.statements_seen import watching
from tests.conftest import BACKEND

WAIT = 30.0


class Refused(Exception):
    pass


@pytest.fixture
async def listening(db: Database, db_url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    stop = await start_event_listener(db_url, interval=0.2)
    yield stop
    await stop()


async def test_a_change_is_announced_when_its_transaction_commits_and_never_when_it_rolls_back(
    db: Database, listening: object
) -> None:
    subscriber = BUS.subscribe(capacity=10)
    try:
        with pytest.raises(Refused):
            async with db.write() as session:
                await announce(session, [RequestChanged(1, "request.verify")])
                raise Refused
        async with db.write() as session:
            await announce(session, [RequestChanged(2, "request.accept"), RequestChanged(2, "request.accept")])
        first = await asyncio.wait_for(subscriber.next(), WAIT)
    finally:
        BUS.remove(subscriber)
    assert first == RequestChanged(2, "request.accept")
    assert subscriber.queue.empty(), "one change announced twice in a transaction is one event"


def _entry(request_id: int, action: str) -> AuditEntry:
    return AuditEntry(
        actor="tester", action=action, entity_type="request", entity_id=str(request_id), request_id=request_id
    )


async def test_appending_audit_entries_announces_the_requests_they_changed_only_when_the_transaction_commits(
    db: Database, listening: object
) -> None:
    """``append_announced``, the write path's last call: on PostgreSQL the notifications go with the audit
    append's statement, and a rollback drops them with the events."""
    subscriber = BUS.subscribe(capacity=10)
    statements: list[str] = []
    try:
        with pytest.raises(Refused):
            async with db.write() as session:
                await append_announced(session, [_entry(7, "request.verify")])
                raise Refused
        with watching(db.engine.sync_engine, lambda *args: statements.append(args[2])):
            async with db.write() as session:
                stored = await append_announced(
                    session, [_entry(8, "request.approve"), _entry(8, "request.decree"), _entry(9, "request.verify")]
                )
        heard = [await asyncio.wait_for(subscriber.next(), WAIT) for _ in range(2)]
    finally:
        BUS.remove(subscriber)
    assert heard == [RequestChanged(8, "request.approve"), RequestChanged(9, "request.verify")]
    assert subscriber.queue.empty(), "the rolled-back append announced nothing; a request changed twice is one event"
    assert [row["action"] for row in stored] == ["request.approve", "request.decree", "request.verify"]
    if BACKEND == "postgres":
        assert len([s for s in statements if not s.startswith("BEGIN")]) == 1, statements


def test_a_slow_subscriber_never_holds_the_publisher_and_is_told_it_fell_behind() -> None:
    bus = EventBus()
    slow = bus.subscribe(capacity=3)
    keeping_up = bus.subscribe(capacity=100)
    for n in range(10):
        bus.publish(RequestChanged(n, "request.verify"))  # returns at once, whoever is not reading

    with pytest.raises(SubscriberBehind):
        asyncio.run(slow.next())
    assert len(bus) == 1, "a subscriber that fell behind is off the bus: its queue cannot grow"
    assert keeping_up.queue.qsize() == 10


def test_a_subscription_to_one_request_queues_only_that_requests_changes() -> None:
    bus = EventBus()
    one = bus.subscribe(capacity=2, request_id=7)
    for n in range(50):
        bus.publish(RequestChanged(n, "request.verify"))
    assert not one.behind and one.queue.get_nowait() == RequestChanged(7, "request.verify")


def test_a_notification_asnflow_did_not_send_is_not_a_change() -> None:
    assert RequestChanged.parse("12 request.verify") == RequestChanged(12, "request.verify")
    for payload in ["", "12", "x request.verify", "-1 request.verify", "12 " + "x" * 101]:
        assert RequestChanged.parse(payload) is None, payload


@pytest.mark.skipif(BACKEND != "postgres", reason="the LISTEN connection is PostgreSQL's")
async def test_a_lost_listen_connection_ends_open_subscriptions_and_listening_resumes(
    db: Database, listening: object
) -> None:
    """Changes sent while the connection was down are lost, so the subscribers are told to reload."""
    before = BUS.subscribe(capacity=10)
    async with db.write() as session:
        await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
        )
    with pytest.raises(SubscriberBehind):
        await asyncio.wait_for(before.next(), WAIT)

    after = BUS.subscribe(capacity=100)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        heard = None
        while heard is None:  # until the listener is back: a change announced before that is lost, as said
            assert loop.time() < deadline, "the listener never came back"
            async with db.write() as session:
                await announce(session, [RequestChanged(3, "request.verify")])
            try:
                heard = await asyncio.wait_for(after.next(), 0.5)
            except TimeoutError:
                continue
    finally:
        BUS.remove(after)
    assert heard == RequestChanged(3, "request.verify")
