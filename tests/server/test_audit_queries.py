"""Auditors page through filtered events by keyset on seq: no event twice, none skipped, either order."""

from __future__ import annotations

import datetime as dt

import pytest

from server.audit.queries import AuditQueryFilter, count_events, list_events
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.paging import CursorError, encode_cursor


async def seed(db: Database) -> None:
    """30 events: requests 1-3 in turn, actors alice/bob alternating, every fifth a rejection."""
    for n in range(1, 31):
        async with db.write() as s:
            await append(
                s,
                [
                    AuditEntry(
                        actor="alice" if n % 2 else "bob",
                        action="request.reject" if n % 5 == 0 else "request.forward",
                        entity_type="request",
                        entity_id=str(n % 3 + 1),
                        request_id=n % 3 + 1,
                    )
                ],
            )


async def all_pages(db: Database, flt: AuditQueryFilter, *, newest_first: bool, size: int = 4) -> list[int]:
    seqs: list[int] = []
    after: str | None = None
    while True:
        async with db.read() as s:
            rows, more = await list_events(s, filter=flt, first=size, after=after, newest_first=newest_first)
        seqs += [r.seq for r in rows]
        if not more:
            return seqs
        after = encode_cursor(rows[-1].seq)


@pytest.mark.parametrize("newest_first", [True, False])
async def test_pages_cover_every_event_once_in_order(db: Database, newest_first: bool) -> None:
    await seed(db)
    seqs = await all_pages(db, AuditQueryFilter(), newest_first=newest_first)
    assert seqs == sorted(range(1, 31), reverse=newest_first)


@pytest.mark.parametrize("newest_first", [True, False])
async def test_filtered_pages_have_no_duplicates_or_gaps(db: Database, newest_first: bool) -> None:
    await seed(db)
    flt = AuditQueryFilter(request_id=2, actor="alice")
    expected = [n for n in range(1, 31) if n % 3 + 1 == 2 and n % 2]
    assert await all_pages(db, flt, newest_first=newest_first, size=2) == sorted(expected, reverse=newest_first)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (AuditQueryFilter(entity_type="request", entity_id="1"), [n for n in range(1, 31) if n % 3 == 0]),
        (AuditQueryFilter(action="request.reject"), [5, 10, 15, 20, 25, 30]),
        (AuditQueryFilter(actor="bob", action="request.reject"), [10, 20, 30]),
        (AuditQueryFilter(entity_type="position"), []),
    ],
)
async def test_each_filter_narrows_the_events(db: Database, flt: AuditQueryFilter, expected: list[int]) -> None:
    await seed(db)
    assert await all_pages(db, flt, newest_first=False) == expected
    async with db.read() as s:
        assert await count_events(s, flt) == len(expected)


async def test_the_time_window_includes_from_and_excludes_to(db: Database) -> None:
    await seed(db)
    async with db.read() as s:
        rows, _ = await list_events(s, filter=AuditQueryFilter(), first=30, newest_first=False)
    at = [r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC) for r in rows]
    flt = AuditQueryFilter(from_=at[9], to=at[19])
    window = await all_pages(db, flt, newest_first=False)
    assert window == [r.seq for r, t in zip(rows, at, strict=True) if at[9] <= t < at[19]]
    assert window[0] == rows[9].seq


async def test_the_unfiltered_count_is_the_chain_length(db: Database) -> None:
    await seed(db)
    async with db.read() as s:
        assert await count_events(s, AuditQueryFilter()) == 30


async def test_a_cursor_that_was_not_handed_out_is_refused(db: Database) -> None:
    async with db.read() as s:
        with pytest.raises(CursorError, match="not a cursor of auditEvents"):
            await list_events(s, filter=AuditQueryFilter(), first=5, after="bm90LWEtY3Vyc29y")
