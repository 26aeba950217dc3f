"""The automatic eligibility list of rank promotion through the API: who is listed for a period, which rule
leaves whom out, the period rules as dated data, scope, pagination, and that a listed candidate's proposal
passes the guards. The list is also checked against the guards themselves (``eligibility_explained``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from server.models import Employee, EvaluationResult, Unit
from tests.api.helpers import (
    TMT,
    DemoApi,
    add_sanction,
    employee_id,
    proposed,
    run,
    set_predicate,
    update_employee,
)
from tests.schema.conftest import StatementCounter
from workflows import eligibility

CANDIDATES = """query($period: Date!, $unitCode: String, $includeSubunits: Boolean, $first: Int, $after: String) {
  rankPromotionCandidates(period: $period, unitCode: $unitCode, includeSubunits: $includeSubunits,
                          first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node {
      employee { nip name unit { code } }
      currentRank { code name } nextRank { code name } yearsInRank rankSince ruleVersions
    } }
  }
}"""


async def page(api: DemoApi, persona: str, period: dt.date = TMT, **args: Any) -> dict[str, Any]:
    data = await api.ask(persona, CANDIDATES, period=period.isoformat(), **args)
    return data["rankPromotionCandidates"]  # type: ignore[no-any-return]


def nodes(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in found["edges"]]


async def listed(
    api: DemoApi, persona: str = "unit_hr", period: dt.date = TMT, **args: Any
) -> dict[str, dict[str, Any]]:
    """Every candidate the persona sees for the period (all pages), by NIP."""
    out: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        found = await page(api, persona, period, first=100, after=after, **args)
        for node in nodes(found):
            assert node["employee"]["nip"] not in out
            out[node["employee"]["nip"]] = node
        if not found["pageInfo"]["hasNextPage"]:
            return out
        after = found["pageInfo"]["endCursor"]


async def refusal(api: DemoApi, period: str) -> dict[str, Any]:
    response = await api.post(CANDIDATES, {"period": period}, as_user=api.uid("unit_hr"))
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1, body
    return body["errors"][0]  # type: ignore[no-any-return]


async def explained(api: DemoApi, nip: str, period: dt.date = TMT) -> list[str]:
    """The rules that keep the employee off the list, as the guards themselves say."""
    async with api.db.read() as s:
        results = await eligibility.eligibility_explained(s, await employee_id(api.db, nip), period, today=api.today)
    return [r.guard for r in results if r.refuses]


async def add_predicates(api: DemoApi, nip: str, years: dict[int, str]) -> None:
    who = await employee_id(api.db, nip)
    async with api.db.write() as s:
        for year, predicate in years.items():
            s.add(EvaluationResult(employee_id=who, year=year, predicate=predicate))


# ---------------------------------------------------------------------------------------------- listed


async def test_an_employee_meeting_every_rule_is_listed_with_the_promotion_and_the_rule_versions(
    demo: DemoApi,
) -> None:
    nip = demo.uid("employee")  # II/d since 2020-10-01, SLTA, service exam, Baik 2024-2025
    found = await listed(demo)
    assert nip in found
    me = found[nip]
    assert me["employee"]["unit"] == {"code": "KEL-GAMBIR-01"}
    assert me["currentRank"] == {"code": "II/d", "name": "Pengatur Tingkat I"}
    assert me["nextRank"] == {"code": "III/a", "name": "Penata Muda"}
    assert me["rankSince"] == "2020-10-01"
    assert me["yearsInRank"] == pytest.approx(6.17, abs=0.01)
    assert me["ruleVersions"] == {
        "discipline.active_sanction": "discipline.active_sanction/2021",
        "performance.evaluation_deadline": "performance.evaluation_deadline/2019",
        "performance.min_predicate": "performance.min_predicate/2019",
        "rank_promotion.education_cap": "rank_promotion.education_cap/2002",
        "rank_promotion.min_years_in_rank": "rank_promotion.min_years_in_rank/2002",
        "rank_promotion.periods": "rank_promotion.periods/2025-10",
        "rank_promotion.service_exam": "rank_promotion.service_exam/2002",
    }
    assert await explained(demo, nip) == []


async def _propose_for_the_employee(api: DemoApi) -> None:
    await proposed(api, "unit_hr", "proposeRankPromotion", employeeNip=api.uid("employee"), effectiveDate=TMT)


async def _rank_since(api: DemoApi) -> None:
    await update_employee(api.db, api.uid("employee"), rank_since=dt.date(2023, 1, 1))


async def _predicate(api: DemoApi) -> None:
    await set_predicate(api.db, api.uid("employee"), 2024, "Kurang")


async def _cap(api: DemoApi) -> None:
    await update_employee(api.db, api.uid("employee"), rank_code="III/b")  # SLTA caps at III/b


async def _exam(api: DemoApi) -> None:
    await update_employee(api.db, api.uid("employee"), has_service_exam=False)


async def _sanction(api: DemoApi) -> None:
    await add_sanction(api.db, api.uid("employee"), "moderate", dt.date(2026, 3, 1), dt.date(2027, 2, 28))


async def _pppk(api: DemoApi) -> None:
    await update_employee(api.db, api.uid("employee"), employment_type="PPPK", rank_code=None, rank_since=None)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (_rank_since, "min_years_in_rank"),
        (_predicate, "predicate_last_two_years"),
        (_cap, "education_cap"),
        (_exam, "service_exam"),
        (_sanction, "no_active_sanction"),
        (_propose_for_the_employee, "no_open_request"),
        (_pppk, "pns_with_rank"),
    ],
    ids=["under-4-years", "predicate-kurang", "education-cap", "no-service-exam", "sanction", "open-request", "pppk"],
)
async def test_each_rule_leaves_the_employee_off_the_list(
    demo: DemoApi, change: Callable[[DemoApi], Awaitable[None]], rule: str
) -> None:
    nip = demo.uid("employee")
    await change(demo)
    assert nip not in await listed(demo)
    assert nip not in await listed(demo, "bkd_official", unitCode="KEL-GAMBIR-01")
    assert await explained(demo, nip) == [rule]


async def test_a_light_sanction_or_one_ended_before_today_does_not_leave_anyone_off(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await add_sanction(demo.db, nip, "light", dt.date(2026, 3, 1), None)
    await add_sanction(demo.db, nip, "heavy", dt.date(2022, 1, 1), dt.date(2025, 12, 31))
    assert nip in await listed(demo)


async def test_a_finished_request_no_longer_keeps_the_employee_off(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await _propose_for_the_employee(demo)
    assert nip not in await listed(demo)
    found = await demo.ask("unit_hr", "{ requests(first: 5) { edges { node { id kind } } } }")
    rid = next(e["node"]["id"] for e in found["requests"]["edges"] if e["node"]["kind"] == "RANK_PROMOTION")
    assert (await run(demo, rid, [("unit_hr", "withdraw")])) == "withdrawn"
    assert nip in await listed(demo)


# ---------------------------------------------------------------------------------------------- periods


async def test_a_2023_period_is_judged_by_the_april_october_rule(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await update_employee(demo.db, nip, rank_since=dt.date(2019, 4, 1))
    await add_predicates(demo, nip, {2021: "Baik", 2022: "Sangat Baik"})
    october = await listed(demo, period=dt.date(2023, 10, 1))
    assert october[nip]["ruleVersions"]["rank_promotion.periods"] == "rank_promotion.periods/2002"
    assert october[nip]["yearsInRank"] == pytest.approx(4.5, abs=0.01)
    assert nip in await listed(demo, period=dt.date(2023, 4, 1))

    error = await refusal(demo, "2023-05-01")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "2023-05-01" in error["message"] and "rank_promotion.periods/2002" in error["message"]
    assert "the nearest are 2023-04-01 and 2023-10-01" in error["message"]
    # The nearest dates follow each date's own rule version, across the change of regulation.
    assert "2023-10-01 and 2024-02-01" in (await refusal(demo, "2023-12-01"))["message"]


async def test_six_periods_a_year_in_2024_to_september_2025(demo: DemoApi) -> None:
    nip = demo.uid("employee")  # in rank II/d since 2020-10-01: 4 years on 2024-10-01
    await add_predicates(demo, nip, {2022: "Baik"})
    december = await listed(demo, period=dt.date(2024, 12, 1))
    assert december[nip]["ruleVersions"]["rank_promotion.periods"] == "rank_promotion.periods/2024"
    assert nip not in await listed(demo, period=dt.date(2024, 8, 1))
    assert await explained(demo, nip, dt.date(2024, 8, 1)) == ["min_years_in_rank"]
    assert "the nearest are 2024-02-01 and 2024-04-01" in (await refusal(demo, "2024-03-01"))["message"]
    message = (await refusal(demo, "2025-09-01"))["message"]
    assert "rank_promotion.periods/2024" in message and "2025-08-01 and 2025-10-01" in message


async def test_the_first_of_every_month_from_october_2025(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    for period in (dt.date(2025, 11, 1), dt.date(2026, 1, 1), TMT):
        found = await listed(demo, period=period)
        assert found[nip]["ruleVersions"]["rank_promotion.periods"] == "rank_promotion.periods/2025-10"
    error = await refusal(demo, "2026-12-15")
    assert "2026-12-15" in error["message"] and "the nearest are 2026-12-01 and 2027-01-01" in error["message"]
    assert "not a date" in (await refusal(demo, "2026-02-30"))["message"]


# ---------------------------------------------------------------------------------------------- scope


async def subtree_codes(api: DemoApi, code: str) -> set[str]:
    async with api.db.read() as s:
        path = (await s.execute(select(Unit.path).where(Unit.code == code))).scalar_one()
        return set((await s.execute(select(Unit.code).where(Unit.path.startswith(path)))).scalars())


async def test_unit_hr_sees_only_their_subtree_and_bkd_sees_the_province(demo: DemoApi) -> None:
    gambir = await subtree_codes(demo, "KEC-GAMBIR")  # unit_hr's grant
    mine = await listed(demo, "unit_hr")
    everyone = await listed(demo, "bkd_official")
    assert len(mine) > 1 and {n["employee"]["unit"]["code"] for n in mine.values()} <= gambir
    assert set(mine) < set(everyone)
    assert {n["employee"]["unit"]["code"] for n in everyone.values()} - gambir
    # Everyone in the subtree the BKD official lists is on unit HR's list too, except unit HR themself.
    in_gambir = {nip for nip, n in everyone.items() if n["employee"]["unit"]["code"] in gambir}
    assert in_gambir - set(mine) <= {demo.uid("unit_hr")}

    only_kel = await listed(demo, "bkd_official", unitCode="KEL-GAMBIR-01", includeSubunits=False)
    assert demo.uid("employee") in only_kel
    assert {n["employee"]["unit"]["code"] for n in only_kel.values()} == {"KEL-GAMBIR-01"}
    assert await listed(demo, "unit_hr", unitCode="BKD-MUTASI") == {}


async def test_the_viewer_is_never_listed(demo: DemoApi) -> None:
    hr = demo.uid("unit_hr")
    async with demo.db.write() as s:
        me = (await s.execute(select(Employee).where(Employee.nip == hr))).scalar_one()
        me.rank_since, me.rank_code, me.education, me.has_service_exam = dt.date(2018, 4, 1), "III/a", "S1", True
        me.employment_type, me.status = "PNS", "active"
    assert hr not in await listed(demo, "unit_hr")
    assert await explained(demo, hr) == []
    assert hr in await listed(demo, "bkd_official")


async def test_an_employee_or_the_public_sees_no_candidates(demo: DemoApi) -> None:
    for persona in ("employee", "unit_head", "bkd_verifier", "auditor"):
        found = await page(demo, persona)
        assert (found["edges"], found["totalCount"], found["pageInfo"]["hasNextPage"]) == ([], 0, False), persona
    response = await demo.post(CANDIDATES, {"period": TMT.isoformat()})
    assert response.json()["data"]["rankPromotionCandidates"]["edges"] == []


async def test_an_unknown_unit_is_an_error_naming_it(demo: DemoApi) -> None:
    response = await demo.post(CANDIDATES, {"period": TMT.isoformat(), "unitCode": "NOPE"}, as_user=demo.uid("unit_hr"))
    assert "NOPE" in response.json()["errors"][0]["message"]


# ---------------------------------------------------------------------------------------------- pages


async def test_pages_follow_each_other_in_nip_order_without_duplicates(demo: DemoApi) -> None:
    whole = await listed(demo, "bkd_official")
    seen: list[str] = []
    after = None
    while True:
        found = await page(demo, "bkd_official", first=37, after=after)
        assert found["totalCount"] == len(whole)
        assert found["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += [n["employee"]["nip"] for n in nodes(found)]
        if not found["pageInfo"]["hasNextPage"]:
            break
        assert len(found["edges"]) == 37
        after = found["pageInfo"]["endCursor"]
    assert seen == sorted(whole) and len(set(seen)) == len(seen)
    empty = await page(demo, "bkd_official", first=0)
    assert (empty["edges"], empty["pageInfo"]["hasNextPage"]) == ([], True)
    response = await demo.post(
        CANDIDATES, {"period": TMT.isoformat(), "after": "not-a-cursor"}, as_user=demo.uid("bkd_official")
    )
    assert "not a cursor" in response.json()["errors"][0]["message"]


async def test_statements_do_not_grow_with_the_page_size(demo: DemoApi) -> None:
    counts = []
    for first in (5, 100):
        with StatementCounter(demo.db) as counter:
            found = await page(demo, "bkd_official", first=first)
        assert len(found["edges"]) == first
        counts.append(counter.count)
    assert counts[1] <= counts[0] + 6, counts  # a few more chunks at most, never one query per employee


async def test_the_list_agrees_with_the_guards_employee_by_employee(demo: DemoApi) -> None:
    whole = await listed(demo, "bkd_official")
    async with demo.db.read() as s:
        sample = list(
            (
                await s.execute(
                    select(Employee.id, Employee.nip).where(Employee.employment_type == "PNS").order_by(Employee.nip)
                )
            ).all()
        )[::7]
        for who, nip in sample:
            results = await eligibility.eligibility_explained(s, who, TMT, today=demo.today)
            passes = not any(r.refuses for r in results)
            if nip != demo.uid("bkd_official"):
                assert passes == (nip in whole), (nip, [r for r in results if r.refuses])


# ---------------------------------------------------------------------------------------------- proposing


async def test_proposing_a_listed_candidate_passes_the_proposal_and_the_verification_guards(demo: DemoApi) -> None:
    found = await listed(demo, "unit_hr")
    picked = sorted(found)[:3]
    for nip in picked:
        rid = await proposed(demo, "unit_hr", "proposeRankPromotion", employeeNip=nip, effectiveDate=TMT)
        assert await run(demo, rid, [("unit_hr", "prepare_documents"), ("bkd_verifier", "verify")]) == "verified"
    after = await listed(demo, "unit_hr")
    assert set(found) - set(after) == set(picked)


async def test_the_workflows_function_pages_by_nip_and_refuses_a_date_that_is_not_a_period(demo: DemoApi) -> None:
    async with demo.db.read() as s:
        first, more = await eligibility.rank_promotion_candidates(
            s, period=TMT, today=demo.today, visible=None, first=4
        )
        assert more and len(first) == 4 and [c.nip for c in first] == sorted(c.nip for c in first)
        rest, _ = await eligibility.rank_promotion_candidates(
            s, period=TMT, today=demo.today, visible=None, first=4, after_nip=first[-1].nip
        )
        assert rest and rest[0].nip > first[-1].nip
        assert all(not r.refuses for c in first for r in c.results)
        with pytest.raises(ValueError, match=r"2023-05-01.*2023-04-01 and 2023-10-01") as refused:
            await eligibility.rank_promotion_candidates(
                s, period=dt.date(2023, 5, 1), today=demo.today, visible=None, first=4
            )
        assert isinstance(refused.value, eligibility.NotAPromotionPeriod)
        assert refused.value.nearest == (dt.date(2023, 4, 1), dt.date(2023, 10, 1))
