"""Verification recomputes the chain the writer built, in one pass, and reports what it checked."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import insert, select, text, update

from server.audit import encoding, queries
from server.audit import walk as walk_module
from server.audit.encoding import GENESIS_HASH, event_hash
from server.audit.verify import Problem, verify
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.models import AuditEvent, AuditHead

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
    from server.audit.encoding import row_hash

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


# The fast paths (server/audit/verify.py) build each row's canonical encoding from the stored fields
# in bulk and fall back to the exact path (``row_hash``, i.e. ``encoding.canonical``) row by row. These
# tests write rows directly, hashed with the writer's ``event_hash``, with values chosen to hit every
# way the bulk encoding could go wrong.

AWKWARD_TEXT = [
    "plain",
    "",
    'a "quoted" word',
    "back\\slash",
    "\\N",
    "null",
    "tab\there",
    "line\nbreak",
    "\n" * 8,
    "carriage\rreturn",
    "bell\x07 and \x1f and \x7f",
    "Rp 1.000.000 — naik pangkat ✓ 😀",
    "\u2028\u2029",
    "%s %d %%",
    "{not json}",
    "\\u00e9 is not é",
]


def generated_events(count: int, seed: int, awkward: bool, zones: bool = False) -> list[dict[str, object]]:
    """Chained rows as the writer would store them, with awkward values when asked (and times in another
    zone than UTC: PostgreSQL keeps the instant, SQLite would keep the wall time, and the writer uses UTC)."""
    rng = random.Random(seed)
    base = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    micros = [0, 1, 10, 500000, 123450, 999999, 37001]

    def text(nullable: bool = True) -> str | None:
        if nullable and rng.random() < 0.3:
            return None
        return rng.choice(AWKWARD_TEXT) if awkward and rng.random() < 0.5 else f"value-{rng.randrange(1000)}"

    def json_value() -> object:
        if rng.random() < 0.2:
            return None
        value: dict[str, object] = {"state": rng.choice(["draft", "unit_review"]), "version": rng.randrange(10)}
        if awkward:
            value.update(
                note=rng.choice(AWKWARD_TEXT),
                nested={"z": [1, 2.5, None, True], "a": {"b": 0.1, "c": 1e16, "d": -0.0, "e": 2**62}},
                after={"x": 1},
            )
        return value

    rows: list[dict[str, object]] = []
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        at = base + dt.timedelta(seconds=seq * 7, microseconds=rng.choice(micros) if rng.random() < 0.5 else seq)
        if zones and seq % 5 == 0:
            at = at.astimezone(dt.timezone(dt.timedelta(hours=7)))
        row: dict[str, object] = {
            "seq": seq,
            "at": at,
            "actor": text(nullable=False),
            "on_behalf_of": text(),
            "actor_roles": sorted({rng.choice(["unit_hr", "bkd_verifier", 'x"y' if awkward else "z"]) for _ in "ab"}),
            "action": text(nullable=False),
            "entity_type": text(nullable=False),
            "entity_id": text(nullable=False),
            "request_id": rng.choice([None, seq, 2**31 - 1]),
            "correlation_id": text(),
            "from_state": text(),
            "to_state": text(),
            "before": json_value(),
            "after": json_value(),
            "comment": text(),
            "definition_version": text(),
            "rule_versions": rng.choice([None, {"min_years_in_rank": "2024-01-01", "a": text(nullable=False)}]),
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(row)
        rows.append(row)
    return rows


async def store(db: Database, rows: list[dict[str, object]]) -> None:
    async with db.write() as s:
        await s.execute(insert(AuditEvent), rows)
        await s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=rows[-1]["seq"], hash=rows[-1]["hash"]))


def count_exact_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows the verifier checks by the exact path (in this process)."""
    calls = [0]
    exact = encoding.exact_hash

    def counting(row: object) -> str | None:
        calls[0] += 1
        return exact(row)  # type: ignore[arg-type]

    monkeypatch.setattr(walk_module, "exact_hash", counting)
    return calls


async def test_plain_events_take_the_fast_path_and_verify(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await store(db, generated_events(600, seed=1, awkward=False))
    exact = count_exact_rows(monkeypatch)
    report = await verify(db, workers=1)
    assert report.ok, report.explanation
    assert report.checked_events == 600
    assert exact == [0]


@pytest.mark.parametrize("seed", [2, 3, 4])
async def test_awkward_events_verify_whichever_path_each_row_takes(
    db: Database, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rows = generated_events(500, seed=seed, awkward=True, zones=not db.is_sqlite)
    await store(db, rows)
    exact = count_exact_rows(monkeypatch)
    report = await verify(db, workers=1)
    assert report.ok, report.explanation
    assert report.checked_events == 500
    # rows whose values need escaping take the slow way (on PostgreSQL the exact path), the others do not
    assert exact[0] < 500 and (exact[0] > 0 or db.is_sqlite)
    assert (await verify(db, workers=3)).ok


async def test_json_stored_by_another_serializer_verifies_by_the_exact_path(db: Database) -> None:
    rows = generated_events(40, seed=5, awkward=False)
    await store(db, rows)
    loose = '{ "version" : 3,\n "state": "draft" }'  # same value as the stored text, another spelling
    forged = {**rows[19], "after": orjson.loads(loose)}
    assert event_hash(forged) == event_hash({**rows[19], "after": {"state": "draft", "version": 3}})
    value = "CAST(:v AS json)" if not db.is_sqlite else ":v"
    await attack_sql(db, f"UPDATE audit_events SET after = {value} WHERE seq = 20", v=loose)
    await attack_sql(db, "UPDATE audit_events SET hash = :h WHERE seq = 20", h=event_hash(forged))
    report = await verify(db)
    # the stored text changed but not the value, and the hash is the value's: only the link to 21 breaks
    assert (report.first_broken_seq, report.problem) == (20, Problem.EDITED)
    assert "event 20 was edited and its hash recomputed" in report.explanation


async def attack_sql(db: Database, statement: str, **params: object) -> None:
    async with db.write() as s:
        if db.is_sqlite:
            await s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        else:
            await s.execute(text("SET LOCAL session_replication_role = replica"))
        await s.execute(text(statement), params)


async def test_progress_with_helper_processes_grows_to_the_total(db: Database) -> None:
    await store(db, generated_events(300, seed=6, awkward=False))
    seen: list[int] = []
    report = await verify(db, on_progress=seen.append, workers=3)
    assert report.ok, report.explanation
    assert seen == sorted(seen) and seen[-1] == 300
