"""Competency fit for a vacancy (issue 14 item 2): the people a placement would pass every guard for, best fit
first, with the reasons in words; only to those who may read the candidates' files, and never a leak to
another unit's head, an employee or the public. It advises; the guards decide."""

from __future__ import annotations

import datetime as dt

from tests.api.competency_helpers import VACANCY, by_nip, candidates, trained, untrained, vacancy
from tests.api.helpers import TMT, TODAY, DemoApi, add_sanction, grant_role, proposed

EGOV = {"e-government": 2, "pengolahan data": 1}


async def test_the_unit_head_sees_the_candidates_best_fit_first_with_reasons_in_words(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    await untrained(demo, "employee")
    await trained(demo, "employee", "e-government", 24, dt.date(2025, 3, 10))
    page = await candidates(demo, "unit_head", first=100)
    mine = by_nip(page)[demo.uid("employee")]
    assert "has E-Government (training 2025, 24 JP)" in mine["reasons"]
    assert mine["employee"]["access"] == "FILE"
    fits = [e["node"]["fit"] for e in page["edges"]]
    assert fits == sorted(fits, reverse=True) and all(0 <= f <= 1 for f in fits)
    assert page["totalCount"] == len(page["edges"]) > 1
    assert demo.uid("unit_head") not in by_nip(page), "the viewer is never their own candidate"


async def test_a_missing_competency_is_said_and_lowers_the_fit(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    await untrained(demo, "employee")
    before = by_nip(await candidates(demo, "unit_head", first=100))[demo.uid("employee")]
    assert "lacks E-Government" in before["reasons"]
    await trained(demo, "employee", "e-government", 24, dt.date(2025, 3, 10))
    after = by_nip(await candidates(demo, "unit_head", first=100))[demo.uid("employee")]
    assert after["fit"] > before["fit"]


async def test_bkd_sees_the_same_candidates_as_the_head(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    head = await candidates(demo, "unit_head", first=100)
    bkd = await candidates(demo, "bkd_official", first=100)
    assert set(by_nip(head)) - {demo.uid("bkd_official")} <= set(by_nip(bkd))
    assert demo.uid("employee") in by_nip(bkd)


async def test_the_guards_decide_a_sanctioned_employee_is_no_candidate(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    assert demo.uid("employee") in by_nip(await candidates(demo, "unit_head", first=100))
    await add_sanction(demo.db, demo.uid("employee"), "heavy", TODAY - dt.timedelta(days=30), None)
    assert demo.uid("employee") not in by_nip(await candidates(demo, "unit_head", first=100))


async def test_pages_follow_one_another_without_repeat_or_gap(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    whole = [e["node"]["employee"]["nip"] for e in (await candidates(demo, "unit_head", first=100))["edges"]]
    seen: list[str] = []
    after = None
    while True:
        page = await candidates(demo, "unit_head", first=2, after=after)
        seen += [e["node"]["employee"]["nip"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == whole


async def test_another_units_head_an_employee_and_the_public_see_nobody(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    for persona in ("target_head", "employee", None):
        page = await candidates(demo, persona, first=100)
        assert (page["edges"], page["totalCount"]) == ([], 0), persona


async def test_a_head_with_a_second_grant_elsewhere_still_sees_only_readable_people(demo: DemoApi) -> None:
    """The superior (KEC-GAMBIR) sees the vacancy's candidates; a head of KEL-GAMBIR-02 granted nothing more
    does not, and one given a grant over KEC-GAMBIR does."""
    await vacancy(demo, EGOV)
    assert demo.uid("employee") in by_nip(await candidates(demo, "superior", first=100))
    await grant_role(demo, "target_head", "unit_head", "KEC-GAMBIR")
    assert demo.uid("employee") in by_nip(await candidates(demo, "target_head", first=100))


async def test_an_unknown_position_is_named(demo: DemoApi) -> None:
    response = await demo.post(
        '{ vacancyCandidates(positionCode: "NO-SUCH") { totalCount } }', as_user=demo.uid("unit_head")
    )
    assert "positionCode: no position has code 'NO-SUCH'" in response.text


async def test_a_leap_day_training_counts_as_training_of_its_year(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    await untrained(demo, "employee")
    await trained(demo, "employee", "e-government", 24, dt.date(2024, 2, 29))
    now = by_nip(await candidates(demo, "unit_head", first=100))[demo.uid("employee")]
    assert "has E-Government (training 2024, 24 JP)" in now["reasons"]


FIT = """query($id: ID!) { request(id: $id) { kind candidateFit { fit reasons } } }"""


async def test_a_placement_proposal_shows_the_candidates_fit_to_whoever_reads_their_file(demo: DemoApi) -> None:
    await vacancy(demo, EGOV)
    await untrained(demo, "employee")
    await trained(demo, "employee", "e-government", 24, dt.date(2025, 3, 10))
    listed = by_nip(await candidates(demo, "unit_head", first=100))[demo.uid("employee")]
    rid = await proposed(
        demo, "unit_head", "proposePlacement", employeeNip=demo.uid("employee"), positionCode=VACANCY, effectiveDate=TMT
    )
    for persona in ("unit_head", "bkd_verifier"):
        shown = (await demo.ask(persona, FIT, id=rid))["request"]["candidateFit"]
        assert shown == {"fit": listed["fit"], "reasons": listed["reasons"]}, persona
