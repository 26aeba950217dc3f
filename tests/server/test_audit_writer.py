"""The writer appends a linear, gap-free chain in the caller's transaction.

On PostgreSQL the append is one statement that hashes inside the server (``writer._APPEND``); these
tests check that its hashes are ``encoding.event_hash`` of what it stores, for content chosen to break a
naive encoding, that it keeps the chain linear under contention, and that it mixes with events the
Python path wrote. On SQLite the same tests exercise the Python path.
"""

import asyncio
import datetime as dt
import itertools
import random
from typing import Any

import pytest
from sqlalchemy import select, text

from server import request_context
from server.audit import encoding, writer
from server.audit.encoding import GENESIS_HASH, canonical, event_hash, format_at
from server.audit.verify import verify
from server.audit.writer import AuditEntry, append
from server.db import Database, json_text
from server.models import AuditEvent

JSON_COLUMNS = ("actor_roles", "before", "after", "rule_versions")


def entry(n: int) -> AuditEntry:
    return AuditEntry(actor="tester", action="test.event", entity_type="thing", entity_id=str(n), after={"n": n})


def awkward_entries() -> list[AuditEntry]:
    """Values that would break a hand-made encoding or a cut in the wrong place."""
    return [
        AuditEntry(
            actor='o"brien\\',
            action="request.approve",
            entity_type="request",
            entity_id="é-42",
            on_behalf_of="Ṡūsīlō 🙂",
            actor_roles=[f"role_{k}" for k in range(40)] + ["zeta", "alpha", "alpha", "ÿ", 'q"uote', "back\\slash"],
            request_id=2_000_000_000,
            from_state="unit_review",
            to_state="approved",
            before={"state": "unit_review", "z": None, "nested": {"b": [1, 2.5, {"y": '\\"', "x": None}], "a": True}},
            after={
                "at": "2020-01-01T00:00:00.000000Z",
                "seq": 1,
                "prev_hash": GENESIS_HASH,
                "text": '{"at":"x","seq":9,"prev_hash":"y"}',
                "control": "tab\there\nline\r\x01\x1f\u2028",
                "nul": "a\x00b",
                "big": 2**62,
                "float": 0.1,
                "empty": {},
                "list": [],
                "数": "中文テキスト",
            },
            comment='he said "at":"2026-01-01T00:00:00.000000Z" and "seq":5, "prev_hash":"00" \\ done\n',
            definition_version="placement/3",
            rule_versions={"placement.min_grade": "2024-01", "a.b": 'x"y', "ÿ": "\\"},
        ),
        AuditEntry(actor="system", action="x", entity_type="t", entity_id="1"),  # every optional field None
        AuditEntry(
            actor="a",
            action="b",
            entity_type="c",
            entity_id="d",
            before={},
            after={"date": dt.date(2026, 1, 5), "when": dt.datetime(2026, 1, 5, 8, 0, 0, 37000)},
            comment="",
            rule_versions={},
        ),
    ]


async def stored_events(db: Database) -> list[AuditEvent]:
    async with db.read() as s:
        return list((await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all())


def row_of(event: AuditEvent) -> dict[str, Any]:
    return {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}


async def assert_chain_holds(db: Database, count: int) -> None:
    events = await stored_events(db)
    assert [e.seq for e in events] == list(range(1, count + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert all(e.hash == event_hash(row_of(e)) for e in events)
    assert all(b.at >= a.at for a, b in itertools.pairwise(events))  # the time is taken under the lock
    report = await verify(db, workers=1)
    assert report.ok and report.checked_events == count, report.explanation


def python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every append take the Python path (as on SQLite, or before the one-statement append)."""
    monkeypatch.setattr(writer, "canonical_pieces", lambda _row: None)


def count_paths(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many appends took the one-statement path ("server") and the Python path ("python")."""
    calls = {"server": 0, "python": 0}
    in_server, here = writer._append_in_server, writer._append_here

    async def server(*args: Any) -> Any:
        calls["server"] += 1
        return await in_server(*args)

    async def python(*args: Any) -> Any:
        calls["python"] += 1
        return await here(*args)

    monkeypatch.setattr(writer, "_append_in_server", server)
    monkeypatch.setattr(writer, "_append_here", python)
    return calls


def expected_paths(db: Database, appends: int) -> dict[str, int]:
    return {"server": 0, "python": appends} if db.is_sqlite else {"server": appends, "python": 0}


async def test_events_chain_from_genesis_and_each_hash_covers_the_previous(db: Database) -> None:
    async with db.write() as s:
        await append(s, [entry(1), entry(2)])
    events = await stored_events(db)
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    for e in events:
        assert e.hash == event_hash(row_of(e))


async def test_a_rolled_back_transaction_leaves_no_event(db: Database) -> None:
    try:
        async with db.write() as s:
            await append(s, [entry(1)])
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    async with db.read() as s:
        assert (await s.execute(select(AuditEvent))).first() is None
        assert (await s.execute(text("SELECT seq, hash FROM audit_head"))).one() == (0, GENESIS_HASH)


async def test_concurrent_writers_produce_one_chain_without_gaps(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.write() as s:
            await append(s, [entry(n)])

    await asyncio.gather(*(write(n) for n in range(20)))
    events = await stored_events(db)
    assert [e.seq for e in events] == list(range(1, 21))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def test_the_pieces_put_back_together_are_the_canonical_encoding() -> None:
    for n, e in enumerate(awkward_entries(), 1):
        row = writer._row(e, "corr-1")
        row.update(seq=1000 + n, at=dt.datetime(2026, 1, 5, 8, 0, 0, 37000, tzinfo=dt.UTC), prev_hash="ab" * 32)
        pieces = encoding.canonical_pieces(row)
        assert pieces is not None
        p0, p1, p2, p3 = pieces
        assert p0 + b"2026-01-05T08:00:00.037000Z" + p1 + b"ab" * 32 + p2 + str(1000 + n).encode() + p3 == canonical(
            row
        )


def test_content_holding_a_marker_is_not_cut() -> None:
    def pieces(**fields: Any) -> tuple[dict[str, Any], tuple[bytes, bytes, bytes, bytes] | None]:
        row = writer._row(AuditEntry(actor="a", action="b", entity_type="c", entity_id="d", **fields), None)
        return row, encoding.canonical_pieces(row)

    for mark in (encoding._AT_MARK, encoding._PREV_MARK, encoding._SEQ_MARK):
        assert pieces(comment=mark)[1] is None
        assert pieces(after={mark: 1})[1] is None
        assert pieces(actor_roles=[mark])[1] is None
    near_misses = (f'"{encoding._SEQ_MARK}"', encoding._MARK, encoding._AT_MARK[:-1], encoding._SEQ_MARK[1:])
    for text_ in near_misses:  # not the cut itself (JSON escapes the quotes): cut where it belongs
        row, cut = pieces(comment=text_, after={text_: text_})
        assert cut is not None
        row.update(seq=7, at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC), prev_hash="cd" * 32)
        assert cut[0] + b"2026-01-05T00:00:00.000000Z" + cut[1] + b"cd" * 32 + cut[2] + b"7" + cut[3] == canonical(row)


async def test_stored_hash_is_the_canonical_hash_of_awkward_content(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = count_paths(monkeypatch)
    token = request_context.correlation_id.set('corr "ü" \\')
    try:
        async with db.write() as s:
            returned = await append(s, awkward_entries())
        async with db.write() as s:
            returned += await append(s, awkward_entries()[:1])
    finally:
        request_context.correlation_id.reset(token)
    assert [r["seq"] for r in returned] == [1, 2, 3, 4]
    assert paths == expected_paths(db, 2)
    events = await stored_events(db)
    for row, event in zip(returned, events, strict=True):
        assert row["hash"] == event_hash(row)  # what the server hashed is what encoding.py hashes
        assert row_of(event) | {"at": None} == row | {"at": None}  # the rows returned are the rows stored
        assert format_at(event.at) == format_at(row["at"])  # SQLite gives the time back without its zone
        assert row["at"].tzinfo is not None
        assert event.correlation_id == 'corr "ü" \\'
    assert returned[0]["prev_hash"] == GENESIS_HASH
    assert returned[3]["prev_hash"] == returned[2]["hash"]
    assert len({r["at"] for r in returned[:3]}) == 1  # one append, one time
    assert returned[0]["actor_roles"] == sorted(set(awkward_entries()[0].actor_roles))
    await assert_chain_holds(db, 4)


async def test_json_columns_are_stored_as_the_python_path_stores_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.write() as s:
        await append(s, awkward_entries())
    python_path(monkeypatch)
    async with db.write() as s:
        await append(s, awkward_entries())
    columns = ", ".join(f"CAST({c} AS TEXT)" for c in JSON_COLUMNS)
    others = "actor, on_behalf_of, action, entity_type, entity_id, request_id, from_state, to_state, comment"
    async with db.read() as s:
        stored = (await s.execute(text(f"SELECT {columns}, {others} FROM audit_events ORDER BY seq"))).all()
    assert stored[:3] == stored[3:]
    for e, row in zip(awkward_entries(), stored, strict=False):
        assert row[1] == json_text(writer._row(e, None)["before"])  # None is stored as JSON null, as ever
    await assert_chain_holds(db, 6)


async def test_many_concurrent_appends_one_transaction_each_make_one_chain(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = count_paths(monkeypatch)
    rng = random.Random(7)

    async def write(n: int) -> None:
        batch = [entry(n * 10 + k) for k in range(rng.choice((1, 1, 2, 4)))]
        async with db.write() as s:
            rows = await append(s, batch)
            await asyncio.sleep(rng.random() / 100)  # hold the head a while, so others queue on it
        assert [r["seq"] for r in rows] == list(range(rows[0]["seq"], rows[0]["seq"] + len(batch)))

    sizes_before = rng.getstate()
    await asyncio.gather(*(write(n) for n in range(50)))
    rng.setstate(sizes_before)
    total = sum(rng.choice((1, 1, 2, 4)) for _ in range(50))
    await assert_chain_holds(db, total)
    assert paths == expected_paths(db, 50)


async def test_a_writer_that_waited_for_the_head_chains_to_the_newest_event(db: Database) -> None:
    """Read committed: the waiting statement's snapshot predates the holder's commit, yet it must chain
    to the holder's event and move the head the holder moved."""
    async with db.write() as first:
        await append(first, [entry(1)])
        second = asyncio.create_task(_append_in_own_transaction(db, [entry(2), entry(3), entry(4)]))
        if db.is_sqlite:
            await asyncio.sleep(0.2)
        else:
            await _until_waiting_for_a_lock(db)
        assert not second.done()
    rows = await second
    assert [r["seq"] for r in rows] == [2, 3, 4]
    await assert_chain_holds(db, 4)
    async with db.read() as s:
        assert (await s.execute(text("SELECT seq, hash FROM audit_head"))).one() == (4, rows[-1]["hash"])


async def _append_in_own_transaction(db: Database, entries: list[AuditEntry]) -> list[dict[str, Any]]:
    async with db.write() as s:
        return await append(s, entries)


async def _until_waiting_for_a_lock(db: Database) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        async with db.read() as s:
            if (await s.execute(query)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second writer never waited for the chain head")


async def test_a_chain_of_python_path_and_server_events_verifies(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.write() as s:
        await append(s, [entry(1), entry(2)])
    with monkeypatch.context() as m:
        python_path(m)
        async with db.write() as s:
            await append(s, [entry(3)])
        async with db.write() as s:
            await append(s, awkward_entries())
    async with db.write() as s:
        await append(s, [*awkward_entries(), entry(7)])
    with monkeypatch.context() as m:
        python_path(m)
        async with db.write() as s:
            await append(s, [entry(11)])
    async with db.write() as s:
        await append(s, [entry(12)])
    await assert_chain_holds(db, 12)


async def test_an_event_holding_a_marker_takes_the_python_path(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = count_paths(monkeypatch)
    async with db.write() as s:
        await append(s, [entry(1)])
    async with db.write() as s:
        rows = await append(
            s, [entry(2), AuditEntry(actor="a", action="b", entity_type="c", entity_id="d", comment=encoding._AT_MARK)]
        )
    assert rows[1]["comment"] == encoding._AT_MARK and rows[1]["hash"] == event_hash(rows[1])
    await assert_chain_holds(db, 3)
    assert paths == ({"server": 0, "python": 2} if db.is_sqlite else {"server": 1, "python": 1})


@pytest.mark.parametrize("size", [1, 3])
async def test_the_one_statement_append_reports_a_missing_head(db: Database, size: int) -> None:
    if db.is_sqlite:
        pytest.skip("the one-statement append is PostgreSQL's")
    async with db.write() as s:
        await s.execute(text("DELETE FROM audit_head"))
    with pytest.raises(RuntimeError, match="audit_head"):
        async with db.write() as s:
            await append(s, [entry(n) for n in range(size)])
