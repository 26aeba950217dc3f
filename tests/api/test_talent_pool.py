"""The talent pool through the API, as the demo personas: the box comes from the year's final predicate and
an assessment entered through the write path; a placement is part of the person's file; the position
promotion reads the box from the pool, never from the proposer's ``talentBox``."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import TMT, DemoApi, codes, fields, propose, set_predicate
from tests.api.talent_helpers import TALENT_POOL, assess, pool
from tests.schema.conftest import StatementCounter

UNIT = "KEL-GAMBIR-01"


def by_nip(nodes: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {n["employee"]["nip"]: n for n in nodes}  # type: ignore[index]


async def test_an_assessment_entered_by_bkd_places_the_employee_in_the_pool_their_head_reads(demo: DemoApi) -> None:
    nip = demo.uid("employee")  # Baik in 2025 (seeded), not assessed
    assert nip not in by_nip(await pool(demo, "unit_head", 2025, unitCode=UNIT))
    await assess(demo, nip, "high", dt.date(2025, 6, 2))
    node = by_nip(await pool(demo, "unit_head", 2025, unitCode=UNIT))[nip]
    assert (node["predicate"], node["performance"], node["potential"], node["box"]) == ("Baik", "middle", "high", 7)
    await set_predicate(demo.db, nip, 2025, "Sangat Baik")
    assert by_nip(await pool(demo, "unit_head", 2025, unitCode=UNIT))[nip]["box"] == 9


async def test_without_a_final_predicate_of_the_year_the_node_has_potential_but_no_box(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await assess(demo, nip, "middle", dt.date(2026, 3, 2))
    node = by_nip(await pool(demo, "unit_head", 2026, unitCode=UNIT))[nip]  # 2026 is not evaluated yet
    assert (node["performance"], node["potential"], node["box"]) == (None, "middle", None)


async def test_the_seeded_demo_pool_is_not_empty_and_every_box_follows_its_axes(demo: DemoApi) -> None:
    nodes = await pool(demo, "bkd_official", 2025)
    boxed = [n for n in nodes if n["box"] is not None]
    assert len(boxed) > 100
    grid = {("low", "low"): 1, ("middle", "middle"): 5, ("high", "high"): 9, ("middle", "high"): 7}
    for n in boxed:
        assert 1 <= n["box"] <= 9  # type: ignore[operator]
        if (n["performance"], n["potential"]) in grid:
            assert n["box"] == grid[(n["performance"], n["potential"])]  # type: ignore[index]
    assert {n["box"] for n in boxed} >= {5, 7, 8, 9}


async def test_another_units_head_reads_nobody_of_a_unit_outside_their_scope(demo: DemoApi) -> None:
    await assess(demo, demo.uid("employee"), "high")
    assert await pool(demo, "target_head", 2025, unitCode=UNIT) == []  # head of KEL-GAMBIR-02
    assert demo.uid("employee") in by_nip(await pool(demo, "superior", 2025, unitCode=UNIT))  # the Camat's subtree


async def test_an_employee_reads_their_own_placement_and_nobody_elses(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    assert await pool(demo, "employee", 2025) == []
    await assess(demo, nip, "high")
    assert list(by_nip(await pool(demo, "employee", 2025))) == [nip]


async def test_an_anonymous_client_reads_an_empty_pool(demo: DemoApi) -> None:
    data = await demo.query(TALENT_POOL, {"year": 2025, "first": 100})
    assert data["talentPool"]["edges"] == [] and data["talentPool"]["totalCount"] == 0


async def test_the_pool_pages_by_nip_and_counts_the_whole_list(demo: DemoApi) -> None:
    first = (await demo.ask("bkd_official", TALENT_POOL, year=2025, first=7))["talentPool"]
    rest = await pool(demo, "bkd_official", 2025)
    nips = [e["node"]["employee"]["nip"] for e in first["edges"]]
    assert nips == sorted(nips) == [n["employee"]["nip"] for n in rest[:7]]
    assert first["totalCount"] == len(rest)


async def test_a_year_in_the_future_is_refused_with_the_field_named(demo: DemoApi) -> None:
    response = await demo.post(TALENT_POOL, {"year": 2027}, as_user=demo.uid("bkd_official"))
    assert "year: 2027" in response.json()["errors"][0]["message"]


# ---------------------------------------------------------------------------------------------- the guard


async def promote(demo: DemoApi, talent_box: int) -> dict[str, object]:
    return await propose(
        demo,
        "unit_head",
        "proposePositionPromotion",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
        talentBox=talent_box,
    )


async def test_a_typed_box_9_does_not_promote_someone_the_pool_puts_in_box_5(demo: DemoApi) -> None:
    await assess(demo, demo.uid("employee"), "middle")  # Baik (middle) x middle: box 5
    payload = await promote(demo, 9)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["talent_pool_or_assessment"])
    assert "box 5 in the 2025 talent pool" in payload["errors"][0]["message"]  # type: ignore[index]


async def test_the_pools_box_7_promotes_whatever_box_the_proposer_typed(demo: DemoApi) -> None:
    await assess(demo, demo.uid("employee"), "high")
    assert (await promote(demo, 1))["errors"] == []


async def test_the_guard_explains_itself_in_available_actions_before_the_verifier_acts(demo: DemoApi) -> None:
    await assess(demo, demo.uid("employee"), "high")
    rid = (await promote(demo, 8))["request"]["id"]  # type: ignore[index]
    query = "query($id: ID!) { request(id: $id) { availableActions { action allowed blockedBy } } }"
    found = (await demo.ask("bkd_verifier", query, id=rid))["request"]["availableActions"]
    verify = next(a for a in found if a["action"] == "verify")
    assert "talent_pool_or_assessment" not in verify["blockedBy"]


async def test_a_page_of_the_pool_costs_the_same_statements_whatever_its_size(demo: DemoApi) -> None:
    counts = []
    async with demo.uncached() as api:  # the viewer loaded on every request: in both counts, always
        await api.ask("bkd_official", TALENT_POOL, year=2025, first=1)  # one-time loading outside the count
        for first in (5, 100):
            with StatementCounter(api.db) as statements:
                data = await api.ask("bkd_official", TALENT_POOL, year=2025, first=first)
            assert len(data["talentPool"]["edges"]) == first
            counts.append(statements.count)
    assert counts[0] == counts[1]
