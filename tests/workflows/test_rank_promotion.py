"""Rank promotion: documents -> BKD verify -> BKN (MS/BTS/TMS) -> decree -> effective on the period date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import Employee, RankHistory
from tests.factories import set_rank
from tests.workflows.conftest import codes, request_row, step
from tests.workflows.factories import World
from workflows.cli import tick
from workflows.service import propose_rank_promotion

TODAY = dt.date(2026, 2, 2)
PERIOD = dt.date(2026, 4, 1)


async def propose(w: World, period: dt.date = PERIOD, today: dt.date = TODAY) -> int:
    result = await propose_rank_promotion(
        w.db, await w.viewer("hr_a", today), employee_nip=w.nip("budi"), effective_date=period, today=today
    )
    assert result.ok and result.entity_id is not None, result.errors
    return result.entity_id


async def to_bkn(w: World, rid: int, today: dt.date = TODAY) -> None:
    for who, action in [("hr_a", "prepare_documents"), ("verifier", "verify"), ("official", "submit_bkn")]:
        result = await step(w, who, rid, action, today=today)
        assert result.ok, (action, result.errors)


async def test_bkn_ms_then_decree_raises_the_rank_on_the_period_date(world: World) -> None:
    rid = await propose(world)
    await to_bkn(world, rid)
    assert (await step(world, "official", rid, "record_bkn_answer", data={"answer": "MS"})).ok
    assert (await step(world, "official", rid, "issue_decree", data={"decreeNo": "KP-2026-4"})).ok
    assert await tick(world.db, today=PERIOD) == 1
    async with world.db.read() as s:
        budi = await s.get(Employee, world.people["budi"].id)
        history = (await s.execute(select(RankHistory.rank_code, RankHistory.tmt))).all()
    assert budi is not None and (budi.rank_code, budi.rank_since) == ("III/c", PERIOD)
    assert [tuple(h) for h in history] == [("III/c", PERIOD)]


async def test_bkn_bts_returns_it_to_the_proposer_and_tms_rejects_it(world: World) -> None:
    rid = await propose(world)
    await to_bkn(world, rid)
    assert codes(await step(world, "official", rid, "record_bkn_answer", data={"answer": "XX"})) == ["VALIDATION"]
    assert (
        await step(world, "official", rid, "record_bkn_answer", data={"answer": "BTS"}, comment="decree copy missing")
    ).ok
    assert (await request_row(world.db, rid)).state == "returned"
    assert (await step(world, "hr_a", rid, "propose")).ok
    await to_bkn(world, rid)
    assert (await step(world, "official", rid, "record_bkn_answer", data={"answer": "TMS"}, comment="cap reached")).ok
    assert (await request_row(world.db, rid)).state == "rejected"


async def test_four_years_in_rank_and_the_education_cap_are_checked_at_verification(world: World) -> None:
    async with world.db.write() as s:
        await set_rank(s, world.people["budi"], "III/d", dt.date(2023, 4, 1))
    rid = await propose(world)
    assert (await step(world, "hr_a", rid, "prepare_documents")).ok
    result = await step(world, "verifier", rid, "verify")
    assert sorted(e.field or "" for e in result.errors) == ["education_cap", "min_years_in_rank"]


async def test_a_2023_promotion_uses_the_april_october_periods(world: World) -> None:
    today = dt.date(2023, 1, 10)
    refused = await propose_rank_promotion(
        world.db,
        await world.viewer("hr_a", today),
        employee_nip=world.nip("budi"),
        effective_date=dt.date(2023, 6, 1),
        today=today,
    )
    assert codes(refused) == ["GUARD_FAILED"] and "rank_promotion.periods/2002" in refused.errors[0].message
    rid = await propose(world, dt.date(2023, 4, 1), today)
    assert (await request_row(world.db, rid)).rule_versions["rank_promotion.periods"] == "rank_promotion.periods/2002"


async def test_a_2026_promotion_uses_the_monthly_periods(world: World) -> None:
    rid = await propose(world, dt.date(2026, 3, 1))
    assert (await request_row(world.db, rid)).rule_versions[
        "rank_promotion.periods"
    ] == "rank_promotion.periods/2025-10"
