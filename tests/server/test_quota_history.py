"""The approved headcount over time (``server.registry.quotas``): a change closes the quota in force the day
before, a same-day change replaces it, an earlier-dated one is refused, and the quota read on a day agrees with
the history (today's quota for a position without any)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import Position, PositionQuota
from server.registry.quotas import QuotaHistoryError, quota_on, record_changes
from tests import factories as f

NEW_YEAR = dt.date(2027, 1, 1)


async def _quota(db: Database, position_id: int, day: dt.date) -> int:
    async with db.read() as s:
        return int((await s.execute(select(quota_on(day)).where(Position.id == position_id))).scalar_one())


async def _history(db: Database, position_id: int) -> list[tuple[int, dt.date | None, dt.date | None]]:
    async with db.read() as s:
        rows = await s.execute(
            select(PositionQuota.quota, PositionQuota.valid_from, PositionQuota.valid_to)
            .where(PositionQuota.position_id == position_id)
            .order_by(PositionQuota.id)
        )
        return [(q, a, b) for q, a, b in rows]


async def _post(db: Database, quota: int = 3) -> int:
    async with db.write() as s:
        return (await f.position(s, "KEL-X-PLK1", await f.unit(s, "KEL-X"), quota=quota)).id


async def test_a_position_without_history_has_had_its_quota_all_along(db: Database) -> None:
    post = await _post(db)
    assert [await _quota(db, post, day) for day in (dt.date(1990, 1, 1), NEW_YEAR)] == [3, 3]


async def test_a_change_on_1_january_closes_the_old_quota_on_31_december(db: Database) -> None:
    post = await _post(db)
    async with db.write() as s:
        assert await record_changes(s, {post: 5}, NEW_YEAR) == 1
        (await s.get(Position, post)).quota = 5  # type: ignore[union-attr]
    assert await _history(db, post) == [(3, None, dt.date(2026, 12, 31)), (5, NEW_YEAR, None)]
    eve, day = NEW_YEAR - dt.timedelta(days=1), NEW_YEAR
    assert (await _quota(db, post, eve), await _quota(db, post, day)) == (3, 5)


async def test_a_second_change_the_same_day_replaces_the_first_and_an_unchanged_quota_writes_nothing(
    db: Database,
) -> None:
    post = await _post(db)
    async with db.write() as s:
        await record_changes(s, {post: 5}, NEW_YEAR)
        await record_changes(s, {post: 4}, NEW_YEAR)
        assert await record_changes(s, {post: 4}, NEW_YEAR + dt.timedelta(days=3)) == 0
    assert await _history(db, post) == [(3, None, dt.date(2026, 12, 31)), (4, NEW_YEAR, None)]


async def test_a_change_dated_before_the_quota_in_force_is_refused(db: Database) -> None:
    post = await _post(db)
    async with db.write() as s:
        await record_changes(s, {post: 5}, NEW_YEAR)
    with pytest.raises(QuotaHistoryError, match="2026-12-01 cannot come before the quota in force since 2027-01-01"):
        async with db.write() as s:
            await record_changes(s, {post: 6}, dt.date(2026, 12, 1))
