"""Training needs (issue 14 item 3): the year's priority areas (training.priority_areas) join the 20 JP in the
shortfall, and a unit's training plan says who needs what by when; both only for people the viewer may read.
Calendar: a training counts for the year of its date (31 December vs 1 January), a leap day included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.competency_helpers import require_of_own_post, trained, untrained
from tests.api.helpers import DemoApi

SHORTFALL = """query($year: Int!, $unit: String) {
  trainingShortfall(year: $year, unitCode: $unit, first: 100) {
    edges { node { employee { nip } hours missing missingAreas } }
  }
}"""
PLAN = """query($year: Int!, $unit: String!, $first: Int, $after: String) {
  trainingPlan(year: $year, unitCode: $unit, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { employee { nip access } needs { competency name hours reason dueBy } } }
  }
}"""


async def shortfall(api: DemoApi, persona: str, year: int) -> dict[str, dict[str, Any]]:
    page = (await api.ask(persona, SHORTFALL, year=year, unit="KEL-GAMBIR-01"))["trainingShortfall"]
    return {e["node"]["employee"]["nip"]: e["node"] for e in page["edges"]}


async def plan(api: DemoApi, persona: str | None, year: int = 2026, **kw: Any) -> dict[str, Any]:
    variables = {"year": year, "unit": "KEL-GAMBIR-01", "first": 100, **kw}
    if persona is None:
        return (await api.query(PLAN, variables))["trainingPlan"]  # type: ignore[no-any-return]
    return (await api.ask(persona, PLAN, **variables))["trainingPlan"]  # type: ignore[no-any-return]


def needs_of(page: dict[str, Any], nip: str) -> list[dict[str, Any]] | None:
    found = [e["node"]["needs"] for e in page["edges"] if e["node"]["employee"]["nip"] == nip]
    return found[0] if found else None


async def test_with_the_hours_but_not_the_priority_area_an_employee_is_still_short(demo: DemoApi) -> None:
    await untrained(demo, "employee")
    await require_of_own_post(demo, "employee", "pengolahan data")
    await trained(demo, "employee", "literasi digital", 24, dt.date(2026, 3, 2))
    mine = (await shortfall(demo, "unit_head", 2026))[demo.uid("employee")]
    assert (mine["hours"], mine["missing"], mine["missingAreas"]) == (24, 0, ["e-government"])
    await trained(demo, "employee", "e-government", 8, dt.date(2026, 6, 1))
    assert demo.uid("employee") not in await shortfall(demo, "unit_head", 2026)


async def test_a_training_of_31_december_counts_for_that_year_and_one_of_1_january_for_the_next(
    demo: DemoApi,
) -> None:
    await untrained(demo, "employee")
    await require_of_own_post(demo, "employee", "pengolahan data")
    await trained(demo, "employee", "e-government", 20, dt.date(2025, 12, 31))
    assert demo.uid("employee") not in await shortfall(demo, "unit_hr", 2025)
    assert (await shortfall(demo, "unit_hr", 2026))[demo.uid("employee")]["missingAreas"] == ["e-government"]
    await trained(demo, "employee", "e-government", 20, dt.date(2026, 1, 1))
    assert demo.uid("employee") not in await shortfall(demo, "unit_hr", 2026)


async def test_leap_day_hours_count_for_their_year(demo: DemoApi) -> None:
    await untrained(demo, "employee")
    assert (await shortfall(demo, "unit_head", 2024))[demo.uid("employee")]["missing"] == 20
    await trained(demo, "employee", "literasi digital", 20, dt.date(2024, 2, 29))
    assert demo.uid("employee") not in await shortfall(demo, "unit_head", 2024)


async def test_the_plan_says_who_needs_what_by_when(demo: DemoApi) -> None:
    await untrained(demo, "employee")
    post = await require_of_own_post(demo, "employee", "pengolahan data", level=2)
    needs = needs_of(await plan(demo, "unit_head"), demo.uid("employee"))
    assert needs is not None
    assert needs[0] == {
        "competency": None,
        "name": None,
        "hours": 20,
        "reason": "0 of 20 JP verified in 2026 (training.annual_hours/2020)",
        "dueBy": "2026-12-31",
    }
    assert needs[1]["competency"] == "e-government" and needs[1]["hours"] == 8
    assert "priority area of 2026" in needs[1]["reason"]
    gaps = {n["competency"]: n["reason"] for n in needs[2:]}
    assert gaps["pengolahan data"].startswith(f"{post} requires Pengolahan Data at level 2; holds")
    assert all(n["dueBy"] == "2026-12-31" for n in needs)


async def test_the_plan_pages_by_nip_without_repeat(demo: DemoApi) -> None:
    whole = [e["node"]["employee"]["nip"] for e in (await plan(demo, "unit_hr"))["edges"]]
    assert whole == sorted(whole) and len(whole) > 2
    first = await plan(demo, "unit_hr", first=2)
    rest = await plan(demo, "unit_hr", after=first["pageInfo"]["endCursor"])
    assert [e["node"]["employee"]["nip"] for e in first["edges"] + rest["edges"]] == whole


async def test_another_units_head_and_the_public_see_no_plan_and_an_employee_only_their_own(demo: DemoApi) -> None:
    assert (await plan(demo, "target_head"))["edges"] == []
    assert (await plan(demo, None))["edges"] == []
    own = await plan(demo, "employee")
    assert {e["node"]["employee"]["nip"] for e in own["edges"]} <= {demo.uid("employee")}


async def test_competency_training_counts_five_years_to_the_day_from_a_leap_day(demo: DemoApi) -> None:
    """competency.sources/2017: training of the last 5 years. 29 Feb 2024 still counts on 28 Feb 2029 and no
    longer on 1 Mar 2029."""
    await untrained(demo, "employee")
    await require_of_own_post(demo, "employee", "e-government", level=2)
    await trained(demo, "employee", "e-government", 24, dt.date(2024, 2, 29))
    async with demo.on(dt.date(2029, 2, 28)) as api:
        needs = needs_of(await plan(api, "unit_head", 2029), demo.uid("employee")) or []
        assert "e-government" not in {n["competency"] for n in needs}
    async with demo.on(dt.date(2029, 3, 1)) as api:
        needs = needs_of(await plan(api, "unit_head", 2029), demo.uid("employee")) or []
        assert "e-government" in {n["competency"] for n in needs}
