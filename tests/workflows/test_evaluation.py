"""The yearly evaluation: plan -> set -> rate -> deliver -> accept, or object within 14 days to the superior."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import EvaluationResult, Task
from tests.workflows.conftest import codes, request_row, step
from tests.workflows.factories import World
from workflows import catalog
from workflows.cli import tick
from workflows.service import start_evaluation

START = dt.date(2026, 1, 5)
DELIVERED = dt.date(2027, 1, 8)


async def delivered(w: World, ratings: dict[str, str]) -> int:
    result = await start_evaluation(
        w.db, await w.viewer("kabid_a", START), employee_nip=w.nip("budi"), year=2026, today=START
    )
    assert result.ok and result.entity_id is not None, result.errors
    rid = result.entity_id
    for who, action, data, day in [
        ("budi", "draft_plan", {}, START),
        ("kabid_a", "set_plan", {}, START),
        ("kabid_a", "rate", ratings, DELIVERED),
        ("kabid_a", "deliver", {}, DELIVERED),
    ]:
        r = await step(w, who, rid, action, data=data, today=day)
        assert r.ok, (action, r.errors)
    return rid


async def predicate(w: World, year: int) -> str | None:
    async with w.db.read() as s:
        return (
            await s.execute(
                select(EvaluationResult.predicate).where(
                    EvaluationResult.employee_id == w.people["budi"].id, EvaluationResult.year == year
                )
            )
        ).scalar_one_or_none()


async def test_accepted_ratings_become_the_final_predicate(world: World) -> None:
    rid = await delivered(world, {"resultRating": "above", "behaviourRating": "as"})
    assert (await step(world, "budi", rid, "accept", today=DELIVERED)).ok
    assert await predicate(world, 2026) == "Baik"


async def test_an_objection_in_the_window_goes_to_the_superior_whose_decision_is_final(world: World) -> None:
    rid = await delivered(world, {"resultRating": "as", "behaviourRating": "below"})
    day = DELIVERED + dt.timedelta(days=14)
    assert (await step(world, "budi", rid, "object", today=day, comment="behaviour evidence ignored")).ok
    assert codes(await step(world, "kabid_a", rid, "decide_objection", today=day, comment="x")) == ["FORBIDDEN"]
    data = {"resultRating": "above", "behaviourRating": "above"}
    assert (await step(world, "kadis", rid, "decide_objection", today=day, data=data, comment="upheld")).ok
    assert await predicate(world, 2026) == "Sangat Baik"


async def test_an_objection_after_fourteen_days_is_refused(world: World) -> None:
    rid = await delivered(world, {"resultRating": "as", "behaviourRating": "as"})
    late = await step(world, "budi", rid, "object", today=DELIVERED + dt.timedelta(days=15), comment="late")
    assert codes(late) == ["GUARD_FAILED"] and late.errors[0].field == "objection_window"


async def test_without_an_objection_the_scheduler_finalises_after_the_window(world: World) -> None:
    rid = await delivered(world, {"resultRating": "below", "behaviourRating": "below"})
    assert await tick(world.db, today=DELIVERED + dt.timedelta(days=14)) == 0
    assert await tick(world.db, today=DELIVERED + dt.timedelta(days=15)) == 1
    assert (await request_row(world.db, rid)).state == "final"
    assert await predicate(world, 2026) == "Sangat Kurang"


async def test_one_evaluation_per_employee_and_year(world: World) -> None:
    viewer = await world.viewer("kabid_a", START)
    assert (await start_evaluation(world.db, viewer, employee_nip=world.nip("budi"), year=2026, today=START)).ok
    again = await start_evaluation(world.db, viewer, employee_nip=world.nip("budi"), year=2026, today=START)
    assert codes(again) == ["VALIDATION"] and again.errors[0].field == "year"
    bad = await start_evaluation(world.db, viewer, employee_nip=world.nip("budi"), year=1999, today=START)
    assert codes(bad) == ["VALIDATION"]


async def test_a_final_predicate_is_what_later_guards_read(world: World) -> None:
    rid = await delivered(world, {"resultRating": "below", "behaviourRating": "as"})
    assert (await step(world, "budi", rid, "accept", today=DELIVERED)).ok
    assert await predicate(world, 2026) == "Butuh Perbaikan"


async def _plan_due(w: World, year: int, today: dt.date) -> list[dt.date]:
    result = await start_evaluation(
        w.db, await w.viewer("kabid_a", today), employee_nip=w.nip("budi"), year=year, today=today
    )
    assert result.ok, result.errors
    async with w.db.read() as s:
        due = (await s.execute(select(Task.due_at).where(Task.request_id == result.entity_id))).scalars().all()
    return [d.date() for d in due]


async def test_the_plan_is_due_by_31_january_of_the_evaluated_year(world: World) -> None:
    assert await _plan_due(world, 2026, dt.date(2026, 1, 5)) == [dt.date(2026, 1, 31)]


async def test_a_plan_opened_ahead_of_its_year_is_still_due_by_31_january(world: World) -> None:
    assert await _plan_due(world, 2027, dt.date(2026, 11, 28)) == [dt.date(2027, 1, 31)]


async def test_a_plan_started_after_31_january_gets_the_usual_fourteen_days(world: World) -> None:
    assert await _plan_due(world, 2026, dt.date(2026, 3, 2)) == [dt.date(2026, 3, 16)]


async def test_requests_started_under_the_2025_definition_keep_its_fourteen_day_plan() -> None:
    old = catalog.by_version("evaluation/2025.1")
    assert old.states["plan_drafted"].due_by is None and old.states["plan_drafted"].due_days == 14
    assert catalog.current("EVALUATION").states["plan_drafted"].due_by == (1, 31)
