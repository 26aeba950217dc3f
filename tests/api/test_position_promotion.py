"""Position promotion through the API: from the talent pool (boxes 7-9) or a passed assessment to a higher
position, then the placement flow: BKD verifies -> the board recommends -> PyB/PPK decides -> decree -> TMT."""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION
from tests.api.helpers import (
    DAY_BEFORE_TMT,
    TMT,
    DemoApi,
    act,
    add_position,
    add_sanction,
    codes,
    drive,
    employee,
    fields,
    fill_position,
    has_task,
    history,
    position,
    propose,
    run,
    set_predicate,
    state_of,
    update_employee,
)
from tests.api.talent_helpers import assess
from workflows.cli import tick

HIGHER = "KEL-GAMBIR-01-PLK2"  # job class 6 against the employee's 5, one seat free
TO_DECISION = [("bkd_verifier", "verify"), ("board_member", "recommend"), ("pyb", "decide")]


async def propose_promotion(
    api: DemoApi,
    target: str = HIGHER,
    *,
    persona: str = "unit_head",
    nip: str | None = None,
    potential: str | None = "high",
    **kw: object,
) -> dict[str, object]:
    """Propose the employee's promotion; ``potential`` (when given) first puts them in the talent pool through
    ``recordAssessment`` (with their seeded Baik of 2025: middle performance, high potential = box 7)."""
    if potential is not None:
        await assess(api, nip or api.uid("employee"), potential)
    values: dict[str, object] = {"talentBox": 8, **kw}
    return await propose(
        api,
        persona,
        "proposePositionPromotion",
        employeeNip=nip or api.uid("employee"),
        positionCode=target,
        effectiveDate=TMT,
        **values,
    )


async def promotion(api: DemoApi, target: str = HIGHER, **kw: object) -> str:
    payload = await propose_promotion(api, target, **kw)
    assert payload["errors"] == [], payload["errors"]
    return str(payload["request"]["id"])  # type: ignore[index]


async def test_a_talent_pool_promotion_runs_every_step_and_moves_the_employee_up_on_its_tmt(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    rid = await promotion(demo)
    assert await run(demo, rid, TO_DECISION) == "approved"
    assert (await drive(demo, rid, "bkd_official", "issue_decree", data={"decreeNo": "SK-PRO-1/2026"}))[
        "state"
    ] == "decreed"
    assert await tick(demo.db, today=DAY_BEFORE_TMT) == 0
    assert await tick(demo.db, today=TMT) == 1
    assert await tick(demo.db, today=TMT) == 0
    assert await state_of(demo, rid) == "effective"
    assert (await employee(demo, nip, as_of=TMT))["position"]["code"] == HIGHER
    assert (await employee(demo, nip, as_of=DAY_BEFORE_TMT))["position"]["code"] == EMPLOYEE_POSITION
    async with demo.on(TMT) as on_tmt:
        assert nip in (await position(on_tmt, HIGHER))["holderNips"]
        assert nip not in (await position(on_tmt, EMPLOYEE_POSITION))["holderNips"]
    assert [e["action"] for e in await history(demo, rid) if e["action"].startswith("assignment.")] == [
        "assignment.closed",
        "assignment.opened",
    ]


async def test_a_passed_assessment_stands_in_for_the_talent_pool(demo: DemoApi) -> None:
    rid = await promotion(demo, talentBox=None, assessmentPassed=True, potential=None)
    assert (await drive(demo, rid, "bkd_verifier", "verify"))["state"] == "verified"


# ------------------------------------------------------------------------------------------ reject / return / withdraw


async def test_each_approver_may_reject_with_a_reason(demo: DemoApi) -> None:
    for done, rejecter in enumerate(["bkd_verifier", "board_member", "ppk"]):
        rid = await promotion(demo)
        await run(demo, rid, TO_DECISION[:done])
        assert fields(await act(demo, rejecter, rid, "reject")) == ["comment"]
        rejected = await drive(demo, rid, rejecter, "reject", comment="another candidate ranks higher")
        assert (rejected["state"], rejected["terminal"]) == ("rejected", True)


async def test_a_returned_promotion_is_resubmitted_and_the_steps_run_again(demo: DemoApi) -> None:
    rid = await promotion(demo)
    await run(demo, rid, TO_DECISION[:2])
    assert (await drive(demo, rid, "pyb", "return", comment="attach the assessment report"))["state"] == "returned"
    assert await has_task(demo, "unit_head", rid)
    assert await run(demo, rid, [("unit_head", "propose"), *TO_DECISION]) == "approved"
    steps = [e["action"] for e in await history(demo, rid) if e["action"].startswith("request.")]
    assert steps == [
        "request.propose",
        "request.verify",
        "request.recommend",
        "request.return",
        "request.propose",
        "request.verify",
        "request.recommend",
        "request.decide",
    ]


async def test_the_proposer_may_withdraw_before_the_decision_but_not_after(demo: DemoApi) -> None:
    rid = await promotion(demo)
    await run(demo, rid, TO_DECISION[:1])
    assert (await act(demo, "unit_head", rid, "withdraw"))["request"]["state"] == "withdrawn"
    again = await promotion(demo)
    await run(demo, again, TO_DECISION)
    refused = await act(demo, "unit_head", again, "withdraw")
    assert codes(refused) == ["INVALID_TRANSITION"] and "decision has been taken" in refused["errors"][0]["message"]


# ------------------------------------------------------------------------------------------ guards


async def verification_refusal(api: DemoApi, rid: str) -> dict[str, object]:
    payload = await act(api, "bkd_verifier", rid, "verify")
    assert set(codes(payload)) == {"GUARD_FAILED"}, payload["errors"]
    assert await state_of(api, rid) == "proposed"
    return payload


async def test_a_candidate_outside_the_talent_pool_without_an_assessment_is_refused(demo: DemoApi) -> None:
    payload = await propose_promotion(demo, talentBox=5, potential=None)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["talent_pool_or_assessment"])
    assert "position_promotion.talent_pool/2020" in payload["errors"][0]["message"]  # type: ignore[index]


async def test_a_post_that_is_not_higher_is_refused(demo: DemoApi) -> None:
    payload = await propose_promotion(demo, "KEL-GAMBIR-01-PLK3")  # job class 3
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["higher_position"])


async def test_a_full_post_is_refused(demo: DemoApi) -> None:
    payload = await propose_promotion(demo, "KEL-GAMBIR-01-JF1")  # 7 seats, 7 holders
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["slot_vacant"])


async def test_a_post_filled_before_verification_is_refused(demo: DemoApi) -> None:
    rid = await promotion(demo)
    await fill_position(demo.db, HIGHER, demo.uid("unit_hr"), dt.date(2026, 11, 1))
    assert fields(await verification_refusal(demo, rid)) == ["slot_vacant"]


async def test_a_senior_executive_post_needs_s1_and_two_years_as_administrator(demo: DemoApi) -> None:
    await add_position(demo.db, "KEC-GAMBIR-JPT", unit_code="KEC-GAMBIR", type="JPT_PRATAMA", job_class=14)
    rid = await promotion(demo, "KEC-GAMBIR-JPT", persona="bkd_official", nip=demo.uid("unit_head"))
    payload = await verification_refusal(demo, rid)
    assert fields(payload) == ["senior_executive_requirements"]
    message = payload["errors"][0]["message"]  # type: ignore[index]
    assert "education D-III is below S1" in message and "years as administrator or ahli madya, less than 2" in message


async def test_a_pengawas_post_needs_d3_education(demo: DemoApi) -> None:
    await add_position(demo.db, "KEL-GAMBIR-01-KASI", unit_code="KEL-GAMBIR-01", type="PENGAWAS", job_class=9)
    rid = await promotion(demo, "KEL-GAMBIR-01-KASI")
    assert fields(await verification_refusal(demo, rid)) == ["managerial_requirements"]


async def test_a_predicate_below_baik_is_refused(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Sangat Kurang")
    rid = await promotion(demo, assessmentPassed=True, potential=None)  # box 4 now: the assessment route
    assert fields(await verification_refusal(demo, rid)) == ["predicate_last_two_years"]


async def test_an_active_sanction_is_refused(demo: DemoApi) -> None:
    await add_sanction(demo.db, demo.uid("employee"), "moderate", dt.date(2026, 9, 1), dt.date(2027, 8, 31))
    rid = await promotion(demo)
    assert fields(await verification_refusal(demo, rid)) == ["no_active_sanction"]


async def test_an_employee_near_retirement_is_refused(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), birth_date=dt.date(1969, 5, 5))
    rid = await promotion(demo)
    assert fields(await verification_refusal(demo, rid)) == ["not_near_retirement"]
