"""A unit's own predicate caps its staff's predicates (PermenPANRB 6/2022); above the cap the appraiser must
give a reason, and the trail keeps it. BID_A's headcount is 3 (Kabid A, Budi, Sari)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.commands import CommandResult
from server.models import AuditEvent
from tests import factories as f
from tests.workflows.conftest import codes, step
from tests.workflows.factories import World
from workflows.service import start_evaluation

START = dt.date(2026, 1, 5)
RATED = dt.date(2027, 1, 8)
SANGAT_BAIK = {"resultRating": "above", "behaviourRating": "above"}


async def unit_predicate(w: World, unit: str, predicate: str, year: int = 2026) -> None:
    async with w.db.write() as s:
        await f.unit_performance(s, w.units[unit], year, predicate)


async def rate(w: World, who: str, appraiser: str, data: dict[str, str]) -> tuple[int, CommandResult]:
    started = await start_evaluation(
        w.db, await w.viewer("official", START), employee_nip=w.nip(who), year=2026, today=START
    )
    assert started.ok and started.entity_id is not None, started.errors
    rid = started.entity_id
    assert (await step(w, who, rid, "draft_plan", today=START)).ok
    assert (await step(w, appraiser, rid, "set_plan", today=START)).ok
    return rid, await step(w, appraiser, rid, "rate", data=data, today=RATED)


async def test_an_istimewa_unit_allows_sangat_baik_up_to_seventy_percent_of_its_staff(world: World) -> None:
    await unit_predicate(world, "BID_A", "Istimewa")
    assert (await rate(world, "budi", "kabid_a", SANGAT_BAIK))[1].ok  # 1 of 3
    assert (await rate(world, "sari", "kabid_a", SANGAT_BAIK))[1].ok  # 2 of 3
    _, third = await rate(world, "kabid_a", "kadis", SANGAT_BAIK)  # 3 of 3 > floor(0.7 x 3)
    assert codes(third) == ["GUARD_FAILED"] and third.errors[0].field == "predicate_distribution"
    message = third.errors[0].message
    assert "Sangat Baik would be 3 of 3 staff of BID_A in 2026" in message
    assert (
        "its own predicate Istimewa allows 2 (70%)" in message and "evaluation.predicate_distribution/2022" in message
    )


async def test_other_predicates_are_not_capped_in_an_istimewa_unit(world: World) -> None:
    await unit_predicate(world, "BID_A", "Istimewa")
    for who, appraiser in (("budi", "kabid_a"), ("sari", "kabid_a"), ("kabid_a", "kadis")):
        assert (await rate(world, who, appraiser, {"resultRating": "as", "behaviourRating": "as"}))[1].ok


async def test_a_reason_lets_the_appraiser_rate_above_the_distribution_and_the_trail_keeps_it(world: World) -> None:
    await unit_predicate(world, "BID_A", "Sangat Kurang")
    rid, refused = await rate(world, "budi", "kabid_a", SANGAT_BAIK)
    assert codes(refused) == ["GUARD_FAILED"] and "allows 0 (0%)" in refused.errors[0].message
    reason = "led the measles campaign that saved the unit's year"
    data = {**SANGAT_BAIK, "distributionReason": reason}
    assert (await step(world, "kabid_a", rid, "rate", data=data, today=RATED)).ok
    async with world.db.read() as s:
        rated = (
            await s.execute(
                select(AuditEvent.after).where(AuditEvent.request_id == rid, AuditEvent.action == "request.rate")
            )
        ).scalar_one()
    assert any(reason in w for w in rated["warnings"])


async def test_without_the_units_own_predicate_no_distribution_applies(world: World) -> None:
    for who, appraiser in (("budi", "kabid_a"), ("sari", "kabid_a"), ("kabid_a", "kadis")):
        assert (await rate(world, who, appraiser, SANGAT_BAIK))[1].ok


async def test_the_superiors_decision_on_an_objection_follows_the_distribution_too(world: World) -> None:
    await unit_predicate(world, "BID_A", "Kurang")  # at most 10 % Sangat Baik: none of 3
    rid, rated = await rate(world, "budi", "kabid_a", {"resultRating": "as", "behaviourRating": "as"})
    assert rated.ok
    assert (await step(world, "kabid_a", rid, "deliver", today=RATED)).ok
    assert (await step(world, "budi", rid, "object", today=RATED, comment="my results were above")).ok
    decided = await step(world, "kadis", rid, "decide_objection", data=SANGAT_BAIK, today=RATED, comment="upheld")
    assert codes(decided) == ["GUARD_FAILED"] and decided.errors[0].field == "predicate_distribution"
