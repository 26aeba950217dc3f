"""The seeded registry obeys DOMAIN.md and the database's own rules, and the same seed gives the same rows.

Invariants are checked on one ``small`` registry seeded per module (read-only); tests that need a
fresh database (refusal, determinism, the audit event) use the ``db`` fixture.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import shutil
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, select

from server.db import Database
from server.domain import nip
from server.domain.education import EDUCATION_RANK_RANGE
from server.domain.positions import is_managerial
from server.domain.predicates import PREDICATES
from server.domain.ranks import group, rank_index
from server.models import AuditEvent, Base, RoleGrant
from server.seed import (
    EMPLOYEE_POSITION,
    PERSONAS,
    REFERENCE_DATE,
    TRANSFER_TARGET_POSITION,
    SeedError,
    is_empty,
    persona_user_ids,
    personas,
    seed,
)
from server.seed.calendar import age_on, promotion_period_on_or_after
from server.seed.generate import TABLES
from tests.conftest import BACKEND, PG_ADMIN_URL, create_pg_database, drop_pg_database

API_ROLES = (
    "employee",
    "unit_head",
    "unit_hr",
    "bkd_verifier",
    "bkd_official",
    "board_member",
    "pyb",
    "ppk",
    "auditor",
    "admin",
)
Rows = dict[str, list[dict[str, Any]]]


async def dump(db: Database) -> Rows:
    """Every seeded table (and the audit log), rows ordered by primary key."""
    tables: Rows = {}
    async with db.read() as session:
        for name in (*TABLES, "audit_events"):
            table: Table = Base.metadata.tables[name]
            result = await session.execute(select(table).order_by(*table.primary_key.columns))
            tables[name] = [dict(row._mapping) for row in result]
    return tables


@pytest.fixture(scope="module")
def seeded_url(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database holding the ``small`` registry with seed 1, shared read-only by this module."""
    if BACKEND == "postgres":
        name = create_pg_database(template=migrated_template)
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    else:
        path = tmp_path_factory.mktemp("seeded") / "asnflow.db"
        shutil.copyfile(migrated_template, path)
        url = f"sqlite:///{path}"

    async def fill() -> None:
        database = Database(url)
        try:
            await seed(database, size="small", seed=1, progress=False)
        finally:
            await database.dispose()

    asyncio.run(fill())
    yield url
    if BACKEND == "postgres":
        drop_pg_database(name)


@pytest.fixture
async def seeded(seeded_url: str) -> AsyncIterator[Database]:
    database = Database(seeded_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="module")
def registry(seeded_url: str) -> Rows:
    """The shared registry dumped to plain rows."""

    async def read() -> Rows:
        database = Database(seeded_url)
        try:
            return await dump(database)
        finally:
            await database.dispose()

    return asyncio.run(read())


def by_id(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in rows}


def current(registry: Rows) -> list[dict[str, Any]]:
    return [a for a in registry["assignments"] if a["end_date"] is None]


def overlaps(intervals: list[tuple[dt.date, dt.date | None]]) -> bool:
    ordered = sorted(intervals, key=lambda i: i[0])
    return any(a_end is None or a_end >= b_start for (_, a_end), (b_start, _) in itertools.pairwise(ordered))


def test_small_has_about_2000_employees_in_about_100_units(registry: Rows) -> None:
    assert 1_900 <= len(registry["employees"]) <= 2_100
    assert 85 <= len(registry["units"]) <= 115


def test_units_form_one_tree_whose_paths_are_the_ids_from_the_root(registry: Rows) -> None:
    units = by_id(registry["units"])
    roots = [u for u in units.values() if u["parent_id"] is None]
    assert [r["code"] for r in roots] == ["PEMPROV"]
    for unit in units.values():
        parent = units.get(unit["parent_id"]) if unit["parent_id"] else None
        assert unit["path"] == (parent["path"] if parent else "/") + f"{unit['id']}/"
        assert unit["depth"] == (parent["depth"] + 1 if parent else 0)
    codes = {u["code"] for u in units.values()}
    assert {
        "SETDA",
        "BKD",
        "INSPEKTORAT",
        "JKT-PUSAT",
        "JKT-UTARA",
        "JKT-BARAT",
        "JKT-SELATAN",
        "JKT-TIMUR",
        "KEP-SERIBU",
    } <= codes


def test_every_nip_parses_and_agrees_with_the_birth_date_and_gender(registry: Rows) -> None:
    nips = [e["nip"] for e in registry["employees"]]
    assert len(set(nips)) == len(nips)
    for employee in registry["employees"]:
        parsed = nip.parse(employee["nip"])
        nip.check_plausible(parsed, today=REFERENCE_DATE, min_age=18)
        nip.check_against(parsed, birth_date=employee["birth_date"], gender=employee["gender"])


def test_everyone_is_between_20_and_57_on_the_reference_date(registry: Rows) -> None:
    ages = [age_on(e["birth_date"], REFERENCE_DATE) for e in registry["employees"]]
    assert min(ages) >= 20
    assert max(ages) <= 57
    assert sum(1 for a in ages if a >= 56) > 0, "some people are near retirement"


def test_about_80_percent_are_pns_with_a_rank_and_pppk_have_none(registry: Rows) -> None:
    employees = registry["employees"]
    pns = [e for e in employees if e["employment_type"] == "PNS"]
    assert 0.75 <= len(pns) / len(employees) <= 0.85
    assert all(e["rank_code"] and e["rank_since"] for e in pns)
    assert all(e["rank_code"] is None and e["rank_since"] is None for e in employees if e["employment_type"] == "PPPK")


def test_rank_groups_follow_the_jakarta_mix_within_a_few_points(registry: Rows) -> None:
    pns = [e for e in registry["employees"] if e["rank_code"]]
    share = {g: n / len(pns) for g, n in Counter(group(e["rank_code"]) for e in pns).items()}
    for rank_group, target in {"I": 0.02, "II": 0.22, "III": 0.41, "IV": 0.35}.items():
        assert abs(share.get(rank_group, 0) - target) <= 0.06, (rank_group, share)


def test_every_rank_lies_within_the_cap_of_the_holders_education(registry: Rows) -> None:
    for employee in registry["employees"]:
        if employee["rank_code"]:
            low, cap = EDUCATION_RANK_RANGE[employee["education"]]
            assert rank_index(low) <= rank_index(employee["rank_code"]) <= rank_index(cap), employee


def test_rank_history_climbs_in_time_and_ends_at_the_current_rank(registry: Rows) -> None:
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in registry["rank_history"]:
        history[row["employee_id"]].append(row)
    for employee in registry["employees"]:
        rows = sorted(history[employee["id"]], key=lambda r: r["tmt"])
        if employee["rank_code"] is None:
            assert rows == []
            continue
        assert [r["rank_code"] for r in rows][-1] == employee["rank_code"]
        assert rows[-1]["tmt"] == employee["rank_since"] <= REFERENCE_DATE
        assert [rank_index(r["rank_code"]) for r in rows] == sorted(rank_index(r["rank_code"]) for r in rows)
        promotions = [r["tmt"] for r in rows[1:]]
        assert all(promotion_period_on_or_after(tmt) == tmt for tmt in promotions), "promotions fall on period dates"


def test_nobody_holds_two_definitive_posts_at_once_and_everyone_holds_one_now(registry: Rows) -> None:
    posts: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for a in registry["assignments"]:
        assert a["kind"] == "definitive" and a["decree_no"]
        posts[a["employee_id"]].append((a["start_date"], a["end_date"]))
    assert not [e for e, intervals in posts.items() if overlaps(intervals)]
    assert Counter(a["employee_id"] for a in current(registry)) == Counter({e["id"]: 1 for e in registry["employees"]})
    assert len(registry["assignments"]) > len(registry["employees"]), "earlier, closed posts exist"


def test_no_managerial_post_ever_has_two_holders_at_once(registry: Rows) -> None:
    positions = by_id(registry["positions"])
    holders: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for a in registry["assignments"]:
        assert a["managerial"] == positions[a["position_id"]]["managerial"]
        if a["managerial"]:
            holders[a["position_id"]].append((a["start_date"], a["end_date"]))
    assert not [p for p, intervals in holders.items() if overlaps(intervals)]


def test_no_post_ever_has_more_holders_than_its_quota(registry: Rows) -> None:
    positions = by_id(registry["positions"])
    by_position: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in registry["assignments"]:
        by_position[a["position_id"]].append(a)
    for position_id, assignments in by_position.items():
        for day in {a["start_date"] for a in assignments}:
            held = sum(
                1 for a in assignments if a["start_date"] <= day and (a["end_date"] is None or a["end_date"] >= day)
            )
            assert held <= positions[position_id]["quota"], (positions[position_id]["code"], day)


def test_there_are_vacancies_including_a_few_managerial_ones(registry: Rows) -> None:
    held = Counter(a["position_id"] for a in current(registry))
    positions = registry["positions"]
    assert sum(p["quota"] - held[p["id"]] for p in positions) > 0
    assert any(p["managerial"] and held[p["id"]] == 0 for p in positions)
    assert all(p["quota"] > 1 for p in positions if not p["managerial"])


def test_positions_form_the_supervision_tree_of_their_units(registry: Rows) -> None:
    """Staff report to their unit's head; a head reports to the head above (the Sekda under the root)."""
    units = by_id(registry["units"])
    positions = by_id(registry["positions"])
    head_of = {p["unit_id"]: p for p in positions.values() if p["managerial"]}
    sekda = next(p for p in positions.values() if p["type"] == "JPT_MADYA")
    for p in positions.values():
        assert p["managerial"] == is_managerial(p["type"])
        assert 1 <= p["job_class"] <= 17
        if not p["managerial"]:
            assert p["parent_position_id"] == head_of[p["unit_id"]]["id"]
        elif p is not sekda:
            parent_unit = units[units[p["unit_id"]]["parent_id"]]
            expected = head_of.get(parent_unit["id"], sekda)
            assert p["parent_position_id"] == expected["id"]
    assert sekda["parent_position_id"] is None
    assert units[sekda["unit_id"]]["code"] == "SETDA"


def test_evaluations_cover_three_years_mostly_baik(registry: Rows) -> None:
    results = registry["evaluation_results"]
    assert {r["year"] for r in results} == {REFERENCE_DATE.year - 3, REFERENCE_DATE.year - 2, REFERENCE_DATE.year - 1}
    predicates = Counter(r["predicate"] for r in results)
    assert set(predicates) <= set(PREDICATES)
    assert predicates.most_common(1)[0][0] == "Baik"
    assert predicates["Sangat Baik"] > 0 and predicates["Kurang"] + predicates["Butuh Perbaikan"] > 0


def test_most_people_reach_20_training_hours_a_year_and_some_do_not(registry: Rows) -> None:
    hours: Counter[tuple[int, int]] = Counter()
    for record in registry["training_records"]:
        hours[(record["employee_id"], record["date"].year)] += record["hours"]
    reached = sum(1 for h in hours.values() if h >= 20) / len(hours)
    assert 0.6 <= reached < 0.95


def test_some_sanctions_are_active_and_some_have_expired(registry: Rows) -> None:
    ends = [s["end_date"] for s in registry["disciplinary_sanctions"]]
    assert any(end >= REFERENCE_DATE for end in ends)
    assert any(end < REFERENCE_DATE for end in ends)


def test_some_people_are_due_for_rotation_after_five_years_in_post(registry: Rows) -> None:
    five_years_ago = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 5)
    due = [a for a in current(registry) if a["start_date"] <= five_years_ago]
    assert 0.1 <= len(due) / len(registry["employees"]) <= 0.5


@pytest.fixture
def second_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh, migrated database next to the ``db`` fixture's."""
    if BACKEND == "postgres":
        name = create_pg_database(template=migrated_template)
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        drop_pg_database(name)
    else:
        path = tmp_path / "second.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"


async def test_the_same_seed_writes_identical_tables(db: Database, second_url: str) -> None:
    second_db = Database(second_url)
    try:
        await seed(db, size="small", seed=7, progress=False)
        await seed(second_db, size="small", seed=7, progress=False)
        first, second = await dump(db), await dump(second_db)
    finally:
        await second_db.dispose()
    for table in TABLES:
        assert first[table] == second[table], table
    # the audit event records the same facts; only its time, and so its hash, differ
    assert [e["after"] for e in first["audit_events"]] == [e["after"] for e in second["audit_events"]]


async def test_a_different_seed_gives_different_people(db: Database, registry: Rows) -> None:
    await seed(db, size="small", seed=2, progress=False)
    other = await dump(db)
    assert [e["nip"] for e in other["employees"]] != [e["nip"] for e in registry["employees"]]


async def test_a_database_that_already_has_a_registry_is_refused(db: Database) -> None:
    assert await is_empty(db)
    await seed(db, size="small", progress=False)
    assert not await is_empty(db)
    before = await dump(db)
    with pytest.raises(SeedError, match="already holds 2"):
        await seed(db, size="small", progress=False)
    assert await dump(db) == before


async def test_seeding_is_one_audit_event_by_system_with_the_counts_and_seed(db: Database) -> None:
    report = await seed(db, size="small", seed=3, progress=False)
    async with db.read() as session:
        events = (await session.execute(select(AuditEvent))).scalars().all()
    assert [(e.actor, e.action, e.entity_type, e.entity_id) for e in events] == [
        ("system", "registry.seeded", "registry", "small")
    ]
    assert events[0].after == {"size": "small", "seed": 3, "counts": report.counts}
    assert report.counts["employees"] == report.employees > 0


async def test_new_rows_after_seeding_get_fresh_ids(db: Database) -> None:
    await seed(db, size="small", progress=False)
    async with db.write() as session:
        grant = RoleGrant(user_id="admin", role="auditor", unit_id=None)
        session.add(grant)
        await session.flush()
        seeded = (await session.execute(select(RoleGrant.id).where(RoleGrant.user_id == "gubernur"))).scalar_one()
    assert grant.id > seeded


async def test_every_api_role_has_a_persona_in_the_api_shape(seeded: Database) -> None:
    listed = await personas(seeded)
    assert {r["role"] for p in listed for r in p["roles"]} >= set(API_ROLES)
    for persona in listed:
        assert set(persona) == {"userId", "name", "nip", "roles"}
        assert all(set(r) == {"role", "unitCode"} for r in persona["roles"])
        assert persona["nip"] in (None, persona["userId"]), "civil servants log in with their NIP"
    by_user = {p["userId"]: p for p in listed}
    assert by_user["gubernur"]["nip"] is None and by_user["admin"]["nip"] is None
    board = [p for p in listed if any(r["role"] == "board_member" for r in p["roles"])]
    assert len(board) >= 2
    assert len(listed) == len({h.key for h in PERSONAS}), "one person per handle"


async def test_the_personas_form_the_employee_supervisor_superior_chain(seeded: Database, registry: Rows) -> None:
    ids = await persona_user_ids(seeded)
    rows = registry
    employees = {e["nip"]: e for e in rows["employees"]}
    positions = by_id(rows["positions"])
    post = {a["employee_id"]: positions[a["position_id"]] for a in current(rows)}

    def post_of(key: str) -> dict[str, Any]:
        return post[employees[ids[key]]["id"]]

    assert post_of("employee")["code"] == EMPLOYEE_POSITION
    assert post_of("employee")["parent_position_id"] == post_of("unit_head")["id"]
    assert post_of("unit_head")["parent_position_id"] == post_of("superior")["id"]
    assert post_of("target_head")["unit_id"] != post_of("unit_head")["unit_id"]
    assert post_of("pyb")["type"] == "JPT_MADYA"
    target = next(p for p in positions.values() if p["code"] == TRANSFER_TARGET_POSITION)
    assert target["parent_position_id"] == post_of("target_head")["id"]
    assert target["title"] == post_of("employee")["title"]
    assert sum(1 for p in post.values() if p["id"] == target["id"]) < target["quota"], "a vacant seat to move into"


async def test_personas_have_careers_that_pass_the_guards(seeded: Database, registry: Rows) -> None:
    """PNS, two to four years in post, at least Baik in the last two years, 20 JP, no sanction, not near retirement."""
    ids = await persona_user_ids(seeded)
    rows = registry
    employees = {e["nip"]: e for e in rows["employees"]}
    sanctioned = {s["employee_id"] for s in rows["disciplinary_sanctions"]}
    for key, user_id in ids.items():
        if user_id not in employees:
            continue
        person = employees[user_id]
        assert person["employment_type"] == "PNS", key
        assert person["id"] not in sanctioned, key
        assert age_on(person["birth_date"], REFERENCE_DATE) <= 55, key
        post = next(a for a in current(rows) if a["employee_id"] == person["id"])
        assert 2 <= (REFERENCE_DATE - post["start_date"]).days / 365.25 <= 4.1, key
        last_two = {r["year"]: r["predicate"] for r in rows["evaluation_results"] if r["employee_id"] == person["id"]}
        assert {last_two[REFERENCE_DATE.year - 1], last_two[REFERENCE_DATE.year - 2]} <= {"Baik", "Sangat Baik"}, key
        last_year = [
            t
            for t in rows["training_records"]
            if t["employee_id"] == person["id"] and t["date"].year == REFERENCE_DATE.year - 1
        ]
        assert sum(t["hours"] for t in last_year) >= 20, key


async def test_personas_histories_reach_back_to_the_appointment_their_nip_gives(
    seeded: Database, registry: Rows
) -> None:
    """Experience guards count years in earlier posts: a district head appointed in 2005 has posts since 2005."""
    ids = await persona_user_ids(seeded)
    employees = {e["nip"]: e for e in registry["employees"]}
    for key, user_id in ids.items():
        if user_id not in employees:
            continue
        posts = sorted(
            (a for a in registry["assignments"] if a["employee_id"] == employees[user_id]["id"]),
            key=lambda a: a["start_date"],
        )
        assert posts[0]["start_date"] == nip.parse(user_id).first_appointment, key
        assert all(a["end_date"] + dt.timedelta(days=1) == b["start_date"] for a, b in itertools.pairwise(posts)), key
