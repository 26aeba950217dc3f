"""Every way of tampering with the log is caught, naming the first broken event and what was done to it.

The attacker here has direct database access: on SQLite they drop the append-only triggers, on
PostgreSQL a superuser switches them off (``session_replication_role = replica``), as a real one would.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError

from server.audit import pool, sources
from server.audit.checkpoint import create_checkpoint, latest_checkpoint
from server.audit.encoding import event_hash
from server.audit.verify import Problem, verify
from server.audit.writer import append
from server.db import Database
from server.models import AuditEvent, AuditHead
from server.settings import Settings
from tests.server.test_audit_verify import entry, write_events

COLUMNS = [c.key for c in AuditEvent.__table__.columns]


async def attack(db: Database, *statements: Any) -> None:
    """Run statements (SQL text or SQLAlchemy statements) with the append-only guard out of the way."""
    async with db.write() as s:
        if db.is_sqlite:
            await s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            await s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            await s.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            await s.execute(text(statement) if isinstance(statement, str) else statement)


async def events(db: Database) -> list[dict[str, Any]]:
    async with db.read() as s:
        rows = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    return [{c: getattr(e, c) for c in COLUMNS} for e in rows]


def rehash(event: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    forged = {**event, "prev_hash": prev_hash}
    forged["hash"] = event_hash(forged)
    return forged


@pytest.fixture
def workers() -> int:
    """Verify in this process; tests marked with ``split`` run again split across three processes,
    where the joints between their ranges must be checked too."""
    return 1


split = pytest.mark.parametrize("workers", [1, 3], ids=["one-process", "three-processes"])


@pytest.fixture(autouse=True)
def pieces_walked_here(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """With several processes, slow this one down so that the worker processes walk pieces too (they
    import the verifier afresh, without this patch); otherwise it would walk a small log alone. Counts
    the pieces this process walks."""
    walked = [0]
    params = getattr(request.node, "callspec", None)
    if params is None or max(params.params.get("workers", 1), params.params.get("processes", 1)) < 2:
        return walked
    for source in (sources.CopySource, sources.RowsSource):
        walk = source.walk

        async def slow(self: object, *args: object, walk: Any = walk) -> Any:
            walked[0] += 1
            await asyncio.sleep(0.15)
            return await walk(self, *args)

        monkeypatch.setattr(source, "walk", slow)
    return walked


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        checkpoint_file=tmp_path / "checkpoints.jsonl",
        checkpoint_key_file=tmp_path / "checkpoint.key",
    )


async def chain_of_ten(db: Database) -> None:
    await write_events(db, 10, per_transaction=3)


async def test_the_application_cannot_update_or_delete_an_event(db: Database) -> None:
    await chain_of_ten(db)
    for statement in ("UPDATE audit_events SET comment = 'x' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.write() as s:
                await s.execute(text(statement))


async def test_an_edited_field_is_caught_at_the_edited_event(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(db, "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4")
    report = await verify(db, workers=workers)
    assert (report.ok, report.first_broken_seq, report.problem) == (False, 4, Problem.EDITED)
    assert report.explanation.startswith("event 4 was edited: its stored hash does not match its contents")
    assert report.checked_events == 10


async def test_an_edit_whose_own_hash_was_recomputed_is_caught_by_the_next_link(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    sixth = (await events(db))[5]
    forged = rehash({**sixth, "comment": "approved by the head"}, sixth["prev_hash"])
    await attack(
        db, update(AuditEvent).where(AuditEvent.seq == 6).values(comment=forged["comment"], hash=forged["hash"])
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (6, Problem.EDITED)
    assert "event 6 was edited and its hash recomputed" in report.explanation


@split
async def test_a_deleted_event_is_caught_as_missing(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(db, "DELETE FROM audit_events WHERE seq = 5")
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (5, Problem.MISSING)
    assert report.explanation.startswith("event 5 was deleted: the log goes from event 4 to event 6")


async def test_a_deletion_hidden_by_renumbering_is_caught_as_missing(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(
        db,
        "DELETE FROM audit_events WHERE seq = 5",
        "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 5",
        "UPDATE audit_events SET seq = -seq WHERE seq < 0",
        "UPDATE audit_head SET seq = 9, hash = (SELECT hash FROM audit_events WHERE seq = 9)",
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (5, Problem.MISSING)
    assert "event 5 holds what was event 6" in report.explanation


@split
async def test_two_swapped_events_are_caught_as_reordered(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(
        db,
        "UPDATE audit_events SET seq = -1 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -1",
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (3, Problem.REORDERED)
    assert "events 3 and 7 were reordered" in report.explanation


@split
async def test_a_forged_event_inserted_in_the_middle_is_caught_as_inserted(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    fourth = (await events(db))[3]
    forged = rehash({**fourth, "seq": 5, "actor": "forger", "comment": "backdated approval"}, fourth["hash"])
    await attack(
        db,
        "UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 5",
        "UPDATE audit_events SET seq = -seq WHERE seq < 0",
        insert(AuditEvent).values(**forged),
        "UPDATE audit_head SET seq = 11, hash = (SELECT hash FROM audit_events WHERE seq = 11)",
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (5, Problem.INSERTED)
    assert "event 5 was inserted (forged)" in report.explanation


async def test_a_forged_event_appended_around_the_writer_is_caught_as_inserted(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    tenth = (await events(db))[9]
    forged = rehash({**tenth, "seq": 11, "actor": "forger"}, tenth["hash"])
    await attack(db, insert(AuditEvent).values(**forged))
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (11, Problem.INSERTED)
    assert "after the chain head (event 10)" in report.explanation


async def test_a_cut_tail_is_caught_by_the_chain_head(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(db, "DELETE FROM audit_events WHERE seq > 7")
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (8, Problem.TRUNCATED)
    assert "events 8 to 10 were cut from the tail" in report.explanation


async def test_a_cut_tail_with_the_head_moved_back_is_caught_only_by_a_checkpoint(
    db: Database, settings: Settings, workers: int
) -> None:
    await chain_of_ten(db)
    await create_checkpoint(db, settings)
    await attack(
        db,
        "DELETE FROM audit_events WHERE seq > 7",
        "UPDATE audit_head SET seq = 7, hash = (SELECT hash FROM audit_events WHERE seq = 7)",
    )
    assert (await verify(db, workers=workers)).ok
    report = await verify(db, checkpoint=latest_checkpoint(settings), workers=workers)
    assert (report.ok, report.first_broken_seq, report.problem) == (False, 8, Problem.TRUNCATED)
    assert "covers event 10, but the log ends at event 7" in report.explanation


async def rewrite_from(db: Database, seq: int) -> None:
    """Change event ``seq`` and re-hash it and every later event, head included: a consistent forgery."""
    original = await events(db)
    statements: list[Any] = []
    prev = original[seq - 2]["hash"] if seq > 1 else original[0]["prev_hash"]
    for event in original[seq - 1 :]:
        changed = {**event, "comment": "rewritten"} if event["seq"] == seq else event
        forged = rehash(changed, prev)
        prev = forged["hash"]
        statements.append(
            update(AuditEvent)
            .where(AuditEvent.seq == event["seq"])
            .values(comment=forged["comment"], prev_hash=forged["prev_hash"], hash=forged["hash"])
        )
    statements.append(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
    await attack(db, *statements)


@split
async def test_a_rewritten_chain_is_caught_only_by_a_checkpoint(db: Database, settings: Settings, workers: int) -> None:
    await chain_of_ten(db)
    await create_checkpoint(db, settings)
    await write_events(db, 2)
    await rewrite_from(db, 3)
    assert (await verify(db, workers=workers)).ok
    report = await verify(db, checkpoint=latest_checkpoint(settings), workers=workers)
    assert (report.ok, report.first_broken_seq, report.problem) == (False, 10, Problem.REWRITTEN)
    assert "the chain up to event 10 was rewritten" in report.explanation


async def test_a_chain_head_that_disagrees_with_the_last_event_is_reported(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    async with db.write() as s:
        await s.execute(update(AuditHead).where(AuditHead.id == 1).values(hash="f" * 64))
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (10, Problem.HEAD_MISMATCH)


async def test_the_first_break_wins_when_the_log_is_damaged_in_several_places(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(
        db,
        "UPDATE audit_events SET comment = 'x' WHERE seq = 8",
        "UPDATE audit_events SET comment = 'y' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 10",
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (3, Problem.EDITED)
    assert "2 rows fail a check" in report.explanation


async def test_an_edit_that_only_adds_an_escaping_backslash_is_caught(db: Database, workers: int) -> None:
    """``a"b`` encodes as ``"a\\"b"``; storing ``a\\"b`` instead must not pass for it (the encoding built in
    bulk from stored text would read the same if nothing escaped it)."""
    async with db.write() as s:
        await append(s, [entry(n, comment='he said "approved"') for n in range(1, 6)])
    await attack(db, """UPDATE audit_events SET comment = 'he said \\"approved\\"' WHERE seq = 3""")
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (3, Problem.EDITED)


async def test_json_text_that_moves_a_field_boundary_is_caught(db: Database) -> None:
    """Two JSON columns whose stored text is not valid JSON on its own, but whose concatenation with the
    key between them reads as the original: PostgreSQL's json type refuses such text, SQLite stores it."""
    async with db.write() as s:
        await append(s, [entry(n, actor_roles=("unit_hr",), after={"a": 1, "after": 2}) for n in range(1, 6)])
    try:
        await attack(
            db,
            text("UPDATE audit_events SET actor_roles = :roles, after = :after WHERE seq = 3").bindparams(
                roles='["unit_hr"],"after":{"a":1', after="2}"
            ),
        )
    except DBAPIError:
        assert not db.is_sqlite
        pytest.skip("PostgreSQL refuses invalid JSON in a json column")
    report = await verify(db)
    assert (report.first_broken_seq, report.problem) == (3, Problem.EDITED)


async def test_a_time_that_is_no_time_is_caught(db: Database) -> None:
    await chain_of_ten(db)
    await attack(db, "UPDATE audit_events SET at = 'infinity' WHERE seq = 6")
    report = await verify(db)
    assert (report.first_broken_seq, report.problem) == (6, Problem.EDITED)


@pytest.mark.parametrize(
    ("deleted", "first", "problem", "says"),
    [
        ((11, 12), 11, Problem.MISSING, "events 11 to 12 were deleted"),  # a whole piece
        ((13,), 13, Problem.MISSING, "event 13 was deleted: the log goes from event 12 to event 14"),
        ((12,), 12, Problem.MISSING, "event 12 was deleted: the log goes from event 11 to event 13"),
        ((1, 2, 3), 1, Problem.MISSING, "events 1 to 3 were deleted: the log starts at event 4"),
        ((30,), 30, Problem.TRUNCATED, "event 30 was cut from the tail"),
    ],
)
@pytest.mark.parametrize("processes", [1, 2, 3])
async def test_deletions_at_the_joints_of_a_split_log_are_caught_where_they_are(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    pieces_walked_here: list[int],
    processes: int,
    deleted: tuple[int, ...],
    first: int,
    problem: Problem,
    says: str,
) -> None:
    """The log is cut into pieces of two seqs (11-12, 13-14, ...) walked by several processes: a gap
    inside a piece, at its start, at its end or the size of a whole piece is found at the right seq."""
    monkeypatch.setattr(pool, "MAX_PIECE", 2)
    await write_events(db, 30, per_transaction=7)
    await attack(db, f"DELETE FROM audit_events WHERE seq IN ({', '.join(map(str, deleted))})")
    report = await verify(db, workers=processes)
    assert (report.first_broken_seq, report.problem) == (first, problem)
    assert says in report.explanation
    assert report.checked_events == 30 - len(deleted)
    if processes > 1:
        assert pieces_walked_here[0] < 15  # the helpers walked some of the 15 pieces


@split
async def test_a_rewrite_between_two_checkpoints_is_located_between_them(
    db: Database, settings: Settings, workers: int
) -> None:
    await chain_of_ten(db)
    checkpoints = [await create_checkpoint(db, settings)]
    for _ in range(2):
        await write_events(db, 5)
        checkpoints.append(await create_checkpoint(db, settings))
    assert [c.seq for c in checkpoints] == [10, 15, 20]
    await rewrite_from(db, 13)
    report = await verify(db, checkpoint=checkpoints[-1], anchors=checkpoints[:-1], workers=workers)
    assert (report.ok, report.first_broken_seq, report.problem, report.last_intact_seq) == (
        False,
        15,
        Problem.REWRITTEN,
        10,
    )
    assert "rewritten from an event between 11 and 15 (event 10 still has the hash" in report.explanation


@split
async def test_two_swapped_neighbours_are_caught_as_reordered(db: Database, workers: int) -> None:
    await chain_of_ten(db)
    await attack(
        db,
        "UPDATE audit_events SET seq = -1 WHERE seq = 6",
        "UPDATE audit_events SET seq = 6 WHERE seq = 7",
        "UPDATE audit_events SET seq = 7 WHERE seq = -1",
    )
    report = await verify(db, workers=workers)
    assert (report.first_broken_seq, report.problem) == (6, Problem.REORDERED)
    assert "events 6 and 7 were reordered" in report.explanation


async def test_a_deletion_hidden_by_renumbering_is_still_missing_not_reordered(db: Database) -> None:
    """The neighbour rule must not swallow a deletion: there row k holds k+1 and row k+1 holds k+2."""
    await chain_of_ten(db)
    await attack(
        db,
        "DELETE FROM audit_events WHERE seq = 6",
        "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 6",
        "UPDATE audit_events SET seq = -seq WHERE seq < 0",
    )
    report = await verify(db)
    assert (report.first_broken_seq, report.problem) == (6, Problem.MISSING)
