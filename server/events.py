"""Request changes announced after commit, and the per-process bus that hands them to subscribers.

The write path calls ``append_announced`` last in its transaction: it appends the audit entries and
announces the requests they changed (request id, kind of change), ids only, never personal data.
Nothing leaves before the transaction commits, and nothing at all if it rolls back:

* on PostgreSQL each change is a ``NOTIFY asnflow_requests`` sent in the transaction, by the audit
  append's own statement (``server.audit.writer.append``'s ``notify``); PostgreSQL delivers it at commit,
  to every server process listening (server/event_listener.py), this one included, and drops it on
  rollback;
* on SQLite (one process) the changes wait on the session until its ``after_commit`` and are then
  handed to this process's bus; a rollback clears them.

The bus never waits for a subscriber: each has a bounded queue, and one that lets it fill up is
marked *behind* and dropped from the bus (``Subscriber.next`` then raises ``SubscriberBehind``), so a
slow client can neither hold the publisher nor grow the server's memory. Subscriptions are hints: a
client that was told it fell behind, or that reconnects, reloads what it shows (``myTasks``, the
request) and subscribes again; that reload loses nothing. See docs/decisions.md, "live".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.audit.writer import AuditEntry, append, send_notifications
from server.one_statement import DeferredWrite
from server.sql import is_postgres

CHANNEL = "asnflow_requests"
_PENDING = "asnflow_request_changes"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestChanged:
    """One committed change: which request, and what kind of change (the audit action, e.g. ``request.verify``)."""

    request_id: int
    kind: str

    def payload(self) -> str:
        return f"{self.request_id} {self.kind}"

    @classmethod
    def parse(cls, payload: str) -> RequestChanged | None:
        """The change a NOTIFY payload names; None for a payload asnflow did not send."""
        number, _, kind = payload.partition(" ")
        if not (number.isascii() and number.isdigit()) or not kind or len(kind) > 100:
            return None
        return cls(int(number), kind)


class SubscriberBehind(Exception):
    """A subscriber's queue filled up (or the server lost its event feed): it missed changes and must reload."""


@dataclass(eq=False)
class Subscriber:
    """One subscription's queue; ``request_id`` limits it to one request's changes (None: every change)."""

    bus: EventBus
    request_id: int | None
    capacity: int
    queue: asyncio.Queue[RequestChanged] = field(init=False)
    behind: bool = False

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.capacity)

    def offer(self, change: RequestChanged) -> None:
        """Take a change without ever waiting: a full queue marks the subscriber behind and ends it."""
        if self.request_id is not None and change.request_id != self.request_id:
            return
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            self.fall_behind()

    def fall_behind(self) -> None:
        self.behind = True
        self.bus.remove(self)
        with contextlib.suppress(asyncio.QueueFull):  # wakes a waiting ``next``; room or not, it sees ``behind``
            self.queue.put_nowait(RequestChanged(0, "behind"))

    async def next(self) -> RequestChanged:
        if self.behind:
            raise SubscriberBehind
        change = await self.queue.get()
        if self.behind:
            raise SubscriberBehind
        return change


class EventBus:
    """This process's subscribers; ``publish`` offers a committed change to each, never blocking."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def subscribe(self, *, capacity: int, request_id: int | None = None) -> Subscriber:
        subscriber = Subscriber(self, request_id, capacity)
        self._subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, change: RequestChanged) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(change)

    def interrupt(self) -> None:
        """Every subscriber is behind: the feed of changes was cut (a lost LISTEN connection)."""
        for subscriber in list(self._subscribers):
            subscriber.fall_behind()

    def __len__(self) -> int:
        return len(self._subscribers)


BUS = EventBus()


def changes_in(entries: Iterable[AuditEntry]) -> list[RequestChanged]:
    """The requests a transaction's audit entries changed, each once, kind of change from its first entry."""
    seen: dict[int, RequestChanged] = {}
    for entry in entries:
        if entry.request_id is not None and entry.request_id not in seen:
            seen[entry.request_id] = RequestChanged(entry.request_id, entry.action)
    return list(seen.values())


async def append_announced(
    session: AsyncSession, entries: Sequence[AuditEntry], *, after: DeferredWrite | None = None
) -> list[dict[str, Any]]:
    """Append ``entries`` to the audit log and announce the requests they changed (``changes_in``) when, and
    only if, the transaction commits; on PostgreSQL in one statement. Call it last in the transaction.
    ``after``: the command's deferred write, in the same statement (``server.audit.writer.append``)."""
    if is_postgres(session):
        notify = [(CHANNEL, change.payload()) for change in changes_in(entries)]  # each request once
        return await append(session, entries, notify=notify, after=after)
    await announce(session, changes_in(entries))
    return await append(session, entries)


async def announce(session: AsyncSession, changes: Iterable[RequestChanged]) -> None:
    """Announce ``changes`` when (and only if) ``session``'s transaction commits; call it inside that transaction."""
    wanted = list(dict.fromkeys(changes))
    if not wanted:
        return
    if is_postgres(session):
        # PostgreSQL holds these until COMMIT and drops them on ROLLBACK
        await send_notifications(session, [(CHANNEL, change.payload()) for change in wanted])
        return
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _publish_pending):
        event.listen(sync, "after_commit", _publish_pending)
        event.listen(sync, "after_rollback", _forget_pending)
    pending: list[RequestChanged] = sync.info.setdefault(_PENDING, [])
    pending.extend(c for c in wanted if c not in pending)


def _publish_pending(session: Session) -> None:
    for change in session.info.pop(_PENDING, []):
        BUS.publish(change)


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
