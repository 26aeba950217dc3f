"""Verification recomputes the chain the writer built, in one pass, and reports what it checked."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from server.audit import queries
from server.audit.chain import GENESIS_HASH, event_hash
from server.audit.verify import verify
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def entry(n: int, **fields: object) -> AuditEntry:
    values: dict[str, object] = {
        "actor": "198609262015051001",
        "action": "request.forward",
        "entity_type": "request",
        "entity_id": str(n),
        "request_id": n,
        "actor_roles": ("unit_hr",),
        "from_state": "draft",
        "to_state": "unit_review",
        "before": {"state": "draft"},
        "after": {"state": "unit_review", "n": n},
    }
    values.update(fields)
    return AuditEntry(**values)  # type: ignore[arg-type]


async def write_events(db: Database, count: int, per_transaction: int = 1) -> None:
    for start in range(1, count + 1, per_transaction):
        async with db.write() as s:
            await append(s, [entry(n) for n in range(start, min(start + per_transaction, count + 1))])


async def test_an_empty_log_verifies_with_the_genesis_hash_as_head(db: Database) -> None:
    report = await verify(db)
    assert report.ok and report.checked_events == 0 and report.first_broken_seq is None
    assert report.head_hash == GENESIS_HASH


async def test_an_untouched_chain_verifies_and_reports_every_event_checked(db: Database) -> None:
    await write_events(db, 25, per_transaction=4)
    report = await verify(db)
    async with db.read() as s:
        last = (await s.execute(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()))).scalars().first()
    assert report.ok, report.explanation
    assert report.checked_events == 25
    assert report.head_hash == last
    assert report.problem is None and "25 events checked" in report.explanation


async def test_awkward_values_hash_the_same_in_the_verifier_as_in_the_writer(db: Database) -> None:
    awkward = [
        entry(1, comment="Rp 1.000.000 — naik pangkat ✓", before={"z": 1, "a": {"y": [1, 2.5], "b": None}}),
        entry(2, after={"gaji": 1e16, "rasio": 0.1, "negatif": -0.0, "besar": 2**62}, comment=""),
        entry(3, before=None, after=None, actor_roles=(), request_id=None, from_state=None, to_state=None),
        entry(4, after={"tanggal": dt.date(2026, 2, 28), "kutip": 'a "b" \\ c\n\t\u0001'}, on_behalf_of="pyb"),
        entry(5, rule_versions={"min_years_in_rank": "2024-01-01", "education_cap": "2023-07-01"}),
        entry(6, actor_roles=("unit_head", "bkd_verifier", "unit_head"), definition_version="transfer/2026-01"),
    ]
    for item in awkward:
        async with db.write() as s:
            await append(s, [item])
    report = await verify(db)
    assert report.ok, report.explanation
    assert report.checked_events == len(awkward)


async def test_the_streamed_row_hash_is_the_chain_event_hash(db: Database) -> None:
    from server.audit.verify import row_hash

    await write_events(db, 3)
    async with db.engine.connect() as conn:
        rows = [row async for batch in queries.stream_chain(conn) for row in batch]
    async with db.read() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    for row, event in zip(rows, events, strict=True):
        fields = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns}
        assert row_hash(row) == event_hash(fields) == event.hash


async def test_progress_is_reported_as_a_growing_count_ending_at_the_total(db: Database) -> None:
    await write_events(db, 12, per_transaction=6)
    seen: list[int] = []
    await verify(db, on_progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == 12


async def test_concurrent_writer_tasks_produce_a_chain_that_verifies_without_gaps(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.write() as s:
            await append(s, [entry(n), entry(n + 1000)])

    await asyncio.gather(*(write(n) for n in range(30)))
    report = await verify(db)
    async with db.read() as s:
        seqs = (await s.execute(select(AuditEvent.seq).order_by(AuditEvent.seq))).scalars().all()
    assert report.ok, report.explanation
    assert list(seqs) == list(range(1, 61))


_WRITER = """
import asyncio, sys
from server.audit.writer import AuditEntry, append
from server.db import Database

async def main(url: str, who: str) -> None:
    db = Database(url)
    for i in range(200):
        async with db.write() as s:
            await append(s, [AuditEntry(actor=who, action="test.concurrent", entity_type="thing", entity_id=str(i))])
    await db.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.postgres
async def test_two_server_processes_append_one_gap_free_chain_that_verifies(pg_url: str) -> None:
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", _WRITER, pg_url, who, cwd=ROOT)
        for who in ("process-a", "process-b")
    ]
    assert [await p.wait() for p in processes] == [0, 0]
    db = Database(pg_url)
    try:
        report = await verify(db)
        async with db.read() as s:
            rows = (await s.execute(select(AuditEvent.seq, AuditEvent.actor).order_by(AuditEvent.seq))).all()
    finally:
        await db.dispose()
    assert report.ok, report.explanation
    assert report.checked_events == 400
    assert [seq for seq, _ in rows] == list(range(1, 401))
    assert {actor for _, actor in rows} == {"process-a", "process-b"}
