"""``vacancyCandidates``' fast path (everyone's ranking kept per data generation, the viewer's rows picked
from it) answers exactly as the straightforward one: the viewer's potential rows judged one by one, each by
``guards.evaluate`` on a step context reading its own facts (the step's path), scored by
``competency.fit``. On generated people (ranks, education, age, predicates, sanctions, posts in and out
of the vacancy's line, trainings, assessments), for every kind of viewer, cold and from the cache; and a
write anywhere is never answered from a stale ranking."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest
from sqlalchemy import select

from policies.viewer import Viewer
from server.db import Database
from server.models import (
    Assessment,
    Assignment,
    Competency,
    CompetencyRequirement,
    Employee,
    Position,
    TrainingRecord,
    Unit,
    WorkflowRequest,
)
from server.rules import rules_for
from server.seed.competencies import competency_rows
from tests.factories import assign, employee, evaluations, position, sanction
from tests.workflows.factories import World
from workflows import competency, guards, vacancy
from workflows.context import StepContext

TODAY = dt.date(2026, 2, 2)
AREAS = ("e-government", "pengolahan data", "literasi digital", "integritas", "pelayanan publik")
VIEWERS = ("official", "kabid_a", "kabid_b", "kadis", "hr_a", "budi", "sari")
Row = tuple[int, float, tuple[str, ...], str]


async def _people(w: World, seed: int, ranged: bool = False, may_fill: bool = True) -> Position:
    """A vacancy in BID_A (random rank range, or III/a..III/c when ``ranged``; requirements; sometimes
    filled) and 30 generated people."""
    rnd = random.Random(seed)
    ranks = ("II/a", "II/c", "III/a", "III/b", "III/c", "III/d", "IV/a")
    async with w.db.write() as s:
        if (await s.execute(select(Competency.code))).first() is None:
            rows = competency_rows()
            s.add_all(Competency(**r) for r in rows["competencies"])
            await s.flush()
            s.add_all(CompetencyRequirement(**(r | {"id": None})) for r in rows["competency_requirements"])
        low = rnd.choice((None, "III/a", "III/b"))
        high = rnd.choice((None, "III/d"))
        low, high = ("III/a", "III/c") if ranged else (low, high)
        vac = await position(s, f"VAC-{seed}", w.units["BID_A"], min_rank=low, max_rank=high)
        for code in rnd.sample(AREAS, 2):
            s.add(CompetencyRequirement(position_id=vac.id, competency_code=code, level=rnd.randint(1, 3)))
        above = await position(s, f"DINKES-STAFF-{seed}", w.units["DINKES"], quota=50)
        posts = [w.positions["STAFF_A"], w.positions["STAFF_B"], above, None]
        for i in range(30):
            who = await employee(
                s,
                f"Gen {seed}-{i}",
                birth=dt.date(rnd.randint(1967, 2000), rnd.randint(1, 12), rnd.randint(1, 28)),
                education=rnd.choice(("SLTA", "D-III", "S1", "S2")),
                rank=rnd.choice(ranks),
                rank_since=dt.date(rnd.randint(2015, 2025), rnd.randint(1, 12), 1),
            )
            if rnd.random() < 0.1:
                who.status = "inactive"
            post = rnd.choice(posts)
            if post is not None:
                await assign(s, who, post, dt.date(rnd.randint(2010, 2025), 1, 1))
            preds = ("Sangat Baik", "Baik", "Baik", "Baik", "Butuh Perbaikan", "Kurang")
            await evaluations(s, who, {y: rnd.choice(preds) for y in range(2023, 2028) if rnd.random() < 0.9})
            if rnd.random() < 0.2:
                start = TODAY - dt.timedelta(days=rnd.randint(10, 900))
                await sanction(s, who, rnd.choice(("heavy", "moderate", "light")), start, rnd.choice((None, TODAY)))
            for _ in range(rnd.randint(0, 3)):
                day = dt.date(rnd.randint(2021, 2026), rnd.randint(1, 12), rnd.randint(1, 28))
                s.add(
                    TrainingRecord(
                        employee_id=who.id, title="Pelatihan", hours=rnd.randint(4, 40), date=min(day, TODAY),
                        competencies=[rnd.choice(AREAS)], verified=rnd.random() < 0.8,
                    )
                )  # fmt: skip
            if rnd.random() < 0.3:
                s.add(
                    Assessment(
                        employee_id=who.id, assessed_on=dt.date(2025, 5, 5), potential_score=70,
                        potential_class=rnd.choice(("low", "middle", "high")), report_no="AC",
                    )
                )  # fmt: skip
        if rnd.random() < 0.2:
            await assign(
                s, await employee(s, f"Holder {seed}"), vac, dt.date(2026, 1, 1)
            )  # filled: the slot guard refuses all
        return vac


async def _straightforward(
    db: Database, viewer: Viewer, vac: Position, unit: Unit, today: dt.date = TODAY
) -> tuple[list[Row], int]:
    """The viewer's potential rows, each judged alone on the step's own path; and how many were refused."""
    if not vacancy.may_list(viewer, unit):
        return [], 0
    names = vacancy.guard_names()
    async with db.read() as s:
        query = vacancy.potential_query(viewer, unit, today - dt.timedelta(days=1), today)
        rows = list((await s.execute(query)).scalars())
        known = await competency.catalogue(s)
        needs = (await competency.requirements(s, [vac], known))[vac.id]
        out: list[Row] = []
        for row in rows:
            request = WorkflowRequest(
                kind="PLACEMENT", position_id=vac.id, effective_date=today, rule_versions={}, data={}
            )
            results = await guards.evaluate(names, StepContext(s, request, row, vac, None, today))
            if any(r.refuses for r in results):
                continue
            found = competency.fit(needs, (await competency.held(s, [row], today, known))[row.id])
            out.append((row.id, found.score, found.reasons, vacancy.sort_key(found.score, row)))
        return sorted(out, key=lambda r: r[3]), len(rows) - len(out)


async def _fast(db: Database, viewer: Viewer, vac: Position, unit: Unit, today: dt.date = TODAY) -> list[Row]:
    async with db.read() as s:
        found = await vacancy.vacancy_candidates(s, viewer, vac, unit, today=today)
        return [(c.employee_id, c.fit, c.reasons, c.key) for c in found]


async def _unit(db: Database, vac: Position) -> Unit:
    async with db.read() as s:
        found = await s.get(Unit, vac.unit_id)
        assert found is not None
        return found


@pytest.mark.parametrize(("seed", "rank_blocks"), [(0, False), (1, False), (2, True), (3, False), (4, True)])
async def test_the_fast_path_lists_exactly_the_straightforward_candidates(
    world: World, seed: int, rank_blocks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rank_blocks``: ``placement.rank_range`` configured as blocking, so SQL also leaves out ranks outside."""
    monkeypatch.setitem(rules_for("placement.rank_range", TODAY).values, "blocking", rank_blocks)
    vac = await _people(world, seed, ranged=rank_blocks)
    unit = await _unit(world.db, vac)
    viewers = [await world.viewer(who, TODAY) for who in VIEWERS] + [Viewer(user_id=None)]
    refused = listed = 0
    for viewer in viewers + viewers:  # the first round fills the cache (or not), the second reads it
        expected, dropped = await _straightforward(world.db, viewer, vac, unit)
        assert await _fast(world.db, viewer, vac, unit) == expected, viewer.user_id
        refused, listed = refused + dropped, listed + len(expected)
    assert refused > 0, "some generated people are refused by a guard (and so absent)"
    async with world.db.read() as s:
        filled = (await s.execute(select(Assignment.id).where(Assignment.position_id == vac.id))).first()
    assert listed > 0 or filled is not None, "some generated people are candidates (unless the post is filled)"


@pytest.mark.parametrize("day", [dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date(2028, 3, 1)])
async def test_the_fast_path_agrees_on_calendar_edges(world: World, day: dt.date) -> None:
    """1 January (a new year's evaluations not yet final), a leap day and the day after (the rule's season
    ends on the 29th): the kept ranking is per day, and agrees with the straightforward one on each."""
    vac = await _people(world, 13)
    unit = await _unit(world.db, vac)
    for who in ("official", "kabid_a", "kabid_b"):
        viewer = await world.viewer(who, day)
        expected, _ = await _straightforward(world.db, viewer, vac, unit, day)
        assert await _fast(world.db, viewer, vac, unit, day) == expected, (who, day)
        assert await _fast(world.db, viewer, vac, unit, day) == expected, (who, day)
    assert (
        await _fast(world.db, await world.viewer("official", TODAY), vac, unit)
        == (await _straightforward(world.db, await world.viewer("official", TODAY), vac, unit))[0]
    ), "another day is another entry"


async def test_the_scope_rules_are_unchanged(world: World) -> None:
    vac = await _people(world, 14, may_fill=False)
    unit = await _unit(world.db, vac)
    seen = {who: await _fast(world.db, await world.viewer(who, TODAY), vac, unit) for who in VIEWERS}
    assert seen["official"] and seen["kabid_a"] and seen["kadis"], "BKD, the unit's head and the head above"
    assert seen["kabid_b"] == seen["budi"] == [], "another unit's head, an employee"
    assert set(seen["kabid_a"]) <= set(seen["kadis"]) | set(seen["official"]) and set(seen["hr_a"]) <= set(
        seen["official"]
    )
    assert await _fast(world.db, Viewer(user_id=None), vac, unit) == []
    assert world.people["kabid_a"].id not in {r[0] for r in seen["kabid_a"]}, "never their own candidate"


async def _refresh(db: Database, viewer: Viewer, vac: Position, unit: Unit) -> None:
    expected, _ = await _straightforward(db, viewer, vac, unit)
    assert await _fast(db, viewer, vac, unit) == expected


async def _elsewhere(db: Database, who: int) -> None:
    """A heavy sanction written past this process's engine: by the sqlite3 module on the SQLite file, by
    another engine on PostgreSQL (what another process or the CLI does)."""
    day = TODAY - dt.timedelta(days=1)
    if db.is_sqlite:
        with sqlite3.connect(db.url.removeprefix("sqlite:///")) as raw:
            raw.execute(
                "INSERT INTO disciplinary_sanctions (employee_id, severity, start_date, decree_no) VALUES (?, ?, ?, ?)",
                (who, "heavy", day.isoformat(), "SK-RAW"),
            )
        return
    other = Database(db.url)
    try:
        async with other.write() as s:
            await sanction(s, await s.get_one(Employee, who), "heavy", day)
    finally:
        await other.dispose()


async def test_a_write_is_never_answered_from_a_stale_ranking(world: World) -> None:
    vac = await _people(world, 11, may_fill=False)
    unit = await _unit(world.db, vac)
    bkd = await world.viewer("official", TODAY)
    before = await _fast(world.db, bkd, vac, unit)
    assert before == await _fast(world.db, bkd, vac, unit)
    first = before[0][0]
    async with world.db.write() as s:  # this process
        s.add(TrainingRecord(employee_id=first, title="x", hours=40, date=TODAY, competencies=list(AREAS)))
        await sanction(s, await s.get_one(Employee, first), "heavy", TODAY - dt.timedelta(days=1))
    after = await _fast(world.db, bkd, vac, unit)
    assert first not in {r[0] for r in after}, "a heavy sanction written after the ranking was kept"
    await _refresh(world.db, bkd, vac, unit)
    second = after[0][0]
    await _elsewhere(world.db, second)
    assert second not in {r[0] for r in await _fast(world.db, bkd, vac, unit)}
    await _refresh(world.db, bkd, vac, unit)


async def test_filling_the_post_empties_the_list_at_once(world: World) -> None:
    vac = await _people(world, 11, may_fill=False)
    unit = await _unit(world.db, vac)
    bkd = await world.viewer("official", TODAY)
    async with world.db.read() as s:
        held = (await s.execute(select(Position.quota).where(Position.id == vac.id))).scalar_one()
    assert held == 1 and await _fast(world.db, bkd, vac, unit)
    async with world.db.write() as s:
        await assign(s, await employee(s, "Holder"), vac, TODAY - dt.timedelta(days=3))
    assert await _fast(world.db, bkd, vac, unit) == []
