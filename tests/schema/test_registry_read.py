"""The registry's read API over HTTP: pagination, as-of history, scoping, and a fixed statement count."""

from __future__ import annotations

import datetime as dt

import pytest

from server.db import Database
from server.seed import persona_user_ids
from tests import factories as f
from tests.schema.conftest import Api, StatementCounter

POSITIONS_PAGE = """
query($first: Int, $after: String) {
  positions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { code title vacancies unit { code name parent { code } }
                          holders { nip name rank { code name } } } }
  }
}"""


async def org(db: Database, *, positions: int = 0, staff_per_position: int = 1) -> None:
    """A root, two units beneath it, a head position in each and ``positions`` staff positions in A."""
    async with db.write() as s:
        root = await f.unit(s, "ROOT")
        a = await f.unit(s, "A", root)
        b = await f.unit(s, "B", root)
        head_a = await f.position(s, "A-HEAD", a, type="ADMINISTRATOR")
        head_b = await f.position(s, "B-HEAD", b, type="ADMINISTRATOR")
        boss_a = await f.employee(s, "Kepala A")
        boss_b = await f.employee(s, "Kepala B")
        await f.assign(s, boss_a, head_a, dt.date(2020, 1, 1))
        await f.assign(s, boss_b, head_b, dt.date(2020, 1, 1))
        await f.user(s, boss_a.nip, boss_a)
        await f.grant(s, boss_a.nip, "unit_head", a)
        await f.user(s, "admin")
        await f.grant(s, "admin", "admin")
        for i in range(positions):
            p = await f.position(s, f"A-STAFF-{i:03d}", a, quota=staff_per_position + 1, parent=head_a)
            for _ in range(staff_per_position):
                await f.assign(s, await f.employee(s), p, dt.date(2021, 1, 1))


async def test_pages_follow_each_other_without_duplicates_or_gaps_while_rows_are_inserted(
    api: Api, db: Database
) -> None:
    await org(db, positions=25, staff_per_position=0)
    seen: list[str] = []
    after = None
    inserted = False
    while True:
        data = await api.query(POSITIONS_PAGE, {"first": 7, "after": after}, as_user="admin")
        seen += [e["node"]["code"] for e in data["positions"]["edges"]]
        if not inserted:
            async with db.write() as s:  # one before the cursor, one after it
                unit = await f.unit(s, "C")
                await f.position(s, "A-0000-EARLY", unit)
                await f.position(s, "A-STAFF-999", unit)
            inserted = True
        if not data["positions"]["pageInfo"]["hasNextPage"]:
            break
        after = data["positions"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert "A-STAFF-999" in seen and "A-0000-EARLY" not in seen
    assert [c for c in seen if c.startswith("A-STAFF-")] == [f"A-STAFF-{i:03d}" for i in range(25)] + ["A-STAFF-999"]


async def test_a_page_costs_the_same_number_of_statements_whatever_its_size(uncached_api: Api, db: Database) -> None:
    await org(db, positions=120, staff_per_position=2)
    counts = {}
    await uncached_api.query("{ viewer { userId } }", as_user="admin")  # one-time loading outside the count
    for first in (10, 100):
        with StatementCounter(db) as counter:
            data = await uncached_api.query(POSITIONS_PAGE, {"first": first}, as_user="admin")
        assert len(data["positions"]["edges"]) == first
        counts[first] = counter.count
    assert counts[10] == counts[100]


async def test_employee_page_statement_count_does_not_grow_with_page_size(uncached_api: Api, db: Database) -> None:
    await org(db, positions=60, staff_per_position=2)
    query = """query($first: Int) { employees(first: $first) { edges { node {
        nip name rank { code } position { code unit { code } } unit { code }
        assignments { startDate position { code } } evaluations { year predicate } trainingHours(year: 2025)
        rankHistory { rank { code } tmt decreeNo } } } } }"""
    counts = {}
    await uncached_api.query("{ viewer { userId } }", as_user="admin")  # one-time loading outside the count
    for first in (10, 100):
        with StatementCounter(db) as counter:
            data = await uncached_api.query(query, {"first": first}, as_user="admin")
        assert len(data["employees"]["edges"]) == first
        counts[first] = counter.count
    assert counts[10] == counts[100]


async def test_holders_and_positions_answer_as_of_a_date_from_the_history(api: Api, db: Database) -> None:
    async with db.write() as s:
        unit = await f.unit(s, "U")
        head = await f.position(s, "U-HEAD", unit, type="PENGAWAS")
        staff = await f.position(s, "U-STAFF", unit, parent=head, quota=3)
        ani = await f.employee(s, "Ani", gender="F")
        budi = await f.employee(s, "Budi")
        await f.assign(s, ani, staff, dt.date(2015, 1, 1), dt.date(2019, 12, 31))
        await f.assign(s, ani, head, dt.date(2020, 1, 1))
        await f.assign(s, budi, head, dt.date(2012, 1, 1), dt.date(2019, 12, 31))
        await f.assign(s, budi, staff, dt.date(2020, 1, 1))
        await f.user(s, "admin")
        await f.grant(s, "admin", "admin")
    query = """query($on: Date, $nip: String!) {
        position(code: "U-HEAD") { holders(asOf: $on) { name } now: holders { name } }
        employee(nip: $nip) { position(asOf: $on) { code } current: position { code } } }"""
    data = await api.query(query, {"on": "2018-06-01", "nip": ani.nip}, as_user="admin")
    assert data["position"]["holders"] == [{"name": "Budi"}]
    assert data["position"]["now"] == [{"name": "Ani"}]
    assert data["employee"]["position"] == {"code": "U-STAFF"}
    assert data["employee"]["current"] == {"code": "U-HEAD"}
    before = await api.query(query, {"on": "2011-01-01", "nip": ani.nip}, as_user="admin")
    assert before["position"]["holders"] == [] and before["employee"]["position"] is None


async def test_vacancies_are_quota_minus_todays_definitive_holders(api: Api, db: Database) -> None:
    await org(db, positions=1, staff_per_position=2)
    data = await api.query('{ position(code: "A-STAFF-000") { quota vacancies holders { nip } } }', as_user="admin")
    assert data["position"]["quota"] == 3 and data["position"]["vacancies"] == 1
    assert len(data["position"]["holders"]) == 2


async def test_a_unit_head_sees_the_people_of_their_unit_and_no_one_elses(api: Api, db: Database) -> None:
    await org(db, positions=2, staff_per_position=1)
    data = await api.query(
        "{ viewer { userId roles { role unitCode } employee { name } } }", as_user=(await _nip_of(db, "Kepala A"))
    )
    assert {"role": "unit_head", "unitCode": "A"} in data["viewer"]["roles"]
    boss_a = data["viewer"]["userId"]
    names = await api.query("{ employees(first: 50) { totalCount edges { node { name } } } }", as_user=boss_a)
    seen = {e["node"]["name"] for e in names["employees"]["edges"]}
    assert "Kepala A" in seen and "Kepala B" not in seen
    assert names["employees"]["totalCount"] == 3
    other = await api.query(
        "query($n: String!) { employee(nip: $n) { name } }", {"n": await _nip_of(db, "Kepala B")}, as_user=boss_a
    )
    assert other["employee"] is None


async def test_the_public_sees_figures_but_no_names_or_nips(api: Api, db: Database) -> None:
    await org(db, positions=2, staff_per_position=1)
    data = await api.query("""{ positions(first: 10) { edges { node { code vacancies holders { nip name } } } }
                                employees(first: 10) { totalCount edges { node { nip } } } viewer { userId employee { nip } } }""")
    assert all(e["node"]["holders"] == [] for e in data["positions"]["edges"])
    assert data["employees"] == {"totalCount": 0, "edges": []}
    assert data["viewer"] == {"userId": None, "employee": None}


async def test_an_nip_is_accepted_with_display_spaces_and_returned_without(api: Api, db: Database) -> None:
    await org(db)
    nip = await _nip_of(db, "Kepala A")
    spaced = f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
    data = await api.query("query($n: String!) { employee(nip: $n) { nip } }", {"n": spaced}, as_user="admin")
    assert data["employee"]["nip"] == nip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("first: 101", "first: 101 is out of range"),
        ("first: -1", "first: -1 is out of range"),
        ('after: "not-a-cursor"', "is not a cursor"),
        ('filter: {unitCode: "NOPE"}', "filter.unitCode: no unit has code 'NOPE'"),
        ('filter: {type: "KING"}', "filter.type: 'KING' is not a position type"),
    ],
)
async def test_bad_list_arguments_are_answered_with_a_sentence(api: Api, db: Database, args: str, message: str) -> None:
    response = await api.post(f"{{ positions({args}) {{ edges {{ node {{ code }} }} }} }}", as_user="admin")
    body = response.json()
    assert message in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _nip_of(db: Database, name: str) -> str:
    from sqlalchemy import select

    from server.models import Employee

    async with db.read() as s:
        return (await s.execute(select(Employee.nip).where(Employee.name == name))).scalar_one()


async def test_an_employees_rank_history_runs_oldest_first_and_ends_at_the_current_rank(demo_api: Api) -> None:
    ids = await persona_user_ids(demo_api.db)
    data = await demo_api.query(
        """query($nip: String!) { employee(nip: $nip) { rank { code } rankSince
        rankHistory { rank { code name } tmt decreeNo } } }""",
        {"nip": ids["employee"]},
        as_user="admin",
    )
    person = data["employee"]
    steps = person["rankHistory"]
    assert steps, "the seeded employee has a rank history"
    assert [s["tmt"] for s in steps] == sorted(s["tmt"] for s in steps)
    assert steps[-1]["rank"]["code"] == person["rank"]["code"] and steps[-1]["tmt"] == person["rankSince"]
