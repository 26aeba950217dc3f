"""A step without effects is one statement on PostgreSQL (``server.one_statement``): its reads outside a
transaction, its write sent with the audit append, stored together or not at all; anything more is taken
again, from the start, in a transaction, and answered as a transaction answers it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from server.audit.verify import verify
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.models import AuditEvent, AuditHead, Unit
from server.one_statement import DeferredWrite, NeedsTransaction, defer, needs_transaction
from tests.workflows.conftest import TODAY, audit_actions, codes, open_tasks, request_row, step
from tests.workflows.factories import World
from tests.workflows.test_placement import to_approved
from tests.workflows.test_statement_count import recorded, summary
from tests.workflows.test_write_path import propose
from workflows import loading, service
from workflows.service import act

TMT = dt.date(2026, 3, 1)


@pytest.fixture
def postgres(world: World) -> World:
    if world.db.is_sqlite:
        pytest.skip("one statement is PostgreSQL's: SQLite has no data-modifying CTEs")
    return world


async def head_seq(w: World) -> int:
    async with w.db.read() as s:
        return int((await s.execute(select(AuditHead.seq))).scalar_one())


async def chain_holds(w: World) -> bool:
    report = await verify(w.db, workers=1)
    return report.ok


async def test_a_step_without_effects_is_its_reads_and_one_write_with_its_audit_event(postgres: World) -> None:
    rid = await propose(postgres)
    viewer = await postgres.viewer("verifier")
    with recorded(postgres.db) as statements:
        result = await act(postgres.db, viewer, request_id=rid, action="verify", today=TODAY)
    assert result.ok, result.errors
    assert summary(statements) == ["SELECT workflow_requests", "SELECT assignments", "WITH"]
    write = statements[-1]
    assert "UPDATE workflow_requests" in write and "INSERT INTO tasks" in write and "INSERT INTO audit_events" in write
    assert "FOR UPDATE OF workflow_requests" not in statements[0]  # no lock: the version check is the write's
    assert (await request_row(postgres.db, rid)).version == 2
    assert [t.step for t in await open_tasks(postgres.db, rid)] == ["verified"]
    assert (await audit_actions(postgres.db, rid))[-1] == "request.verify"
    assert await chain_holds(postgres)


async def test_a_request_moved_between_the_read_and_the_write_is_answered_by_a_transaction(
    postgres: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The double click: the same verifier's second verify read the request before the first one stored it."""
    rid = await propose(postgres)
    viewer = await postgres.viewer("verifier")
    loads = 0
    real_load = loading.load

    async def load_then_lose_the_race(session: Any, request_id: int, *, lock: bool) -> Any:
        nonlocal loads
        loads += 1
        loaded = await real_load(session, request_id, lock=lock)
        if loads == 1:  # the first read, outside a transaction: the other click stores its step now
            assert not lock
            first = await act(postgres.db, viewer, request_id=rid, action="verify", today=TODAY)
            assert first.ok, first.errors
        return loaded

    monkeypatch.setattr(service, "load", load_then_lose_the_race)
    second = await act(postgres.db, viewer, request_id=rid, action="verify", today=TODAY)
    assert codes(second) == ["CONFLICT"]
    assert "before your verify" in second.errors[0].message
    assert loads == 3  # the attempt that lost, the other click's, then the transaction's (locked)
    assert (await audit_actions(postgres.db, rid)).count("request.verify") == 1
    assert (await request_row(postgres.db, rid)).version == 2
    assert [t.step for t in await open_tasks(postgres.db, rid)] == ["verified"]
    assert await chain_holds(postgres)


async def test_an_idempotency_key_takes_the_transaction_that_claims_it_first(postgres: World) -> None:
    rid = await propose(postgres)
    viewer = await postgres.viewer("verifier")
    with recorded(postgres.db) as statements:
        result = await act(postgres.db, viewer, request_id=rid, action="verify", idempotency_key="k-1", today=TODAY)
    assert result.ok, result.errors
    assert summary(statements)[0] == "INSERT idempotency_records"
    assert "FOR UPDATE OF workflow_requests" in statements[1]


async def test_a_session_that_defers_refuses_every_other_write(postgres: World) -> None:
    async with postgres.db.one_statement() as session:
        with pytest.raises(NeedsTransaction):
            await session.execute(insert(Unit).values(code="X", name="X", kind="x", path="X"))
        session.add(Unit(code="Y", name="Y", kind="y", path="Y"))
        with pytest.raises(NeedsTransaction):
            await session.flush()
        session.expunge_all()
        with pytest.raises(NeedsTransaction):
            needs_transaction(session, "an effect")
        defer(session, DeferredWrite("w AS (SELECT 1)", "w", (), {}))
        with pytest.raises(NeedsTransaction):
            defer(session, DeferredWrite("w AS (SELECT 1)", "w", (), {}))
    async with postgres.db.write() as session:
        needs_transaction(session, "an effect")  # a transaction carries anything


def _entry(name: str) -> AuditEntry:
    return AuditEntry(actor="tester", action=f"test.{name}", entity_type="test", entity_id=name)


async def test_events_are_appended_only_if_the_deferred_write_was_made(postgres: World) -> None:
    before = await head_seq(postgres)
    nothing = DeferredWrite("gate AS (SELECT 1 AS one WHERE false)", "gate", (), {})
    async with postgres.db.one_statement() as session:
        assert await append(session, [_entry("not-made")], after=nothing) == []
    assert await head_seq(postgres) == before
    made = DeferredWrite("gate AS (SELECT CAST(:value AS integer) AS one)", "gate", (), {"value": 1})
    async with postgres.db.one_statement() as session:
        rows = await append(session, [_entry("made")], after=made)
    assert [r["seq"] for r in rows] == [before + 1]  # stored: no transaction was left to commit
    assert await head_seq(postgres) == before + 1
    assert await chain_holds(postgres)


async def test_a_deferred_write_the_database_refuses_leaves_no_event(postgres: World) -> None:
    before = await head_seq(postgres)
    async with postgres.db.read() as s:
        events = (await s.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    duplicate = DeferredWrite(
        "gate AS (INSERT INTO units (code, name, kind, path, depth) SELECT code, name, kind, path, depth FROM units LIMIT 1"
        " RETURNING id)",
        "gate",
        (),
        {},
    )
    async with postgres.db.one_statement() as session:
        with pytest.raises(IntegrityError):
            await append(session, [_entry("refused")], after=duplicate)
    assert await head_seq(postgres) == before
    async with postgres.db.read() as s:
        assert (await s.execute(select(func.count()).select_from(AuditEvent))).scalar_one() == events


async def test_parameters_of_the_write_may_not_shadow_the_appends(postgres: World) -> None:
    clash = DeferredWrite("gate AS (SELECT CAST(:actor AS text) AS one)", "gate", (), {"actor": "x"})
    async with postgres.db.one_statement() as session:
        with pytest.raises(ValueError, match="actor"):
            await append(session, [_entry("clash")], after=clash)


async def test_a_step_an_effect_follows_is_taken_again_in_a_transaction(postgres: World) -> None:
    """``issue_decree`` on its TMT: the decree takes effect at once, and taking effect moves the employee."""
    rid = await propose(postgres)
    await to_approved(postgres, rid)
    with recorded(postgres.db) as statements:
        result = await step(postgres, "official", rid, "issue_decree", today=TMT, data={"decreeNo": "SK-8"})
    assert result.ok, result.errors
    loads = [
        sql for sql, kind in zip(statements, summary(statements), strict=True) if kind == "SELECT workflow_requests"
    ]
    assert len(loads) == 2, "the attempt as one statement, then the transaction"
    assert "FOR UPDATE" not in loads[0] and "FOR UPDATE OF workflow_requests" in loads[1]
    assert not any("INSERT INTO audit_events" in sql and "UPDATE workflow_requests" in sql for sql in statements)
    assert (await request_row(postgres.db, rid)).state == "effective"
    assert (await audit_actions(postgres.db, rid))[-4:] == [
        "request.issue_decree",
        "request.take_effect",
        "assignment.closed",
        "assignment.opened",
    ]
    assert await chain_holds(postgres)


async def test_a_connection_back_from_one_statement_begins_transactions_again(postgres: World) -> None:
    db = Database(postgres.db.url, pool_size=1)  # one connection, reused by both sessions
    try:
        async with db.one_statement() as session:
            await session.execute(select(1))
            driver = (await (await session.connection()).get_raw_connection()).driver_connection
            assert driver is not None and not driver.is_in_transaction()
        async with db.write() as session:
            await session.execute(select(1))
            connection = await session.connection()
            again = (await connection.get_raw_connection()).driver_connection
            assert again is not None and again is driver and again.is_in_transaction()
    finally:
        await db.dispose()
