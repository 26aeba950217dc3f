"""The writer appends a linear, gap-free chain in the caller's transaction."""

import asyncio
import itertools

from sqlalchemy import select

from server.audit.chain import GENESIS_HASH, event_hash
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.models import AuditEvent


def entry(n: int) -> AuditEntry:
    return AuditEntry(actor="tester", action="test.event", entity_type="thing", entity_id=str(n), after={"n": n})


async def test_events_chain_from_genesis_and_each_hash_covers_the_previous(db: Database) -> None:
    async with db.write() as s:
        await append(s, [entry(1), entry(2)])
    async with db.read() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    for e in events:
        assert e.hash == event_hash({c.name: getattr(e, c.name) for c in AuditEvent.__table__.columns})


async def test_a_rolled_back_transaction_leaves_no_event(db: Database) -> None:
    try:
        async with db.write() as s:
            await append(s, [entry(1)])
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    async with db.read() as s:
        assert (await s.execute(select(AuditEvent))).first() is None


async def test_concurrent_writers_produce_one_chain_without_gaps(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.write() as s:
            await append(s, [entry(n)])

    await asyncio.gather(*(write(n) for n in range(20)))
    async with db.read() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    assert [e.seq for e in events] == list(range(1, 21))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
