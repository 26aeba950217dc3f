"""Placement through the API: the unit head proposes -> BKD verifies -> the board recommends -> PyB/PPK decides
-> BKD issues the decree -> the scheduler takes it into effect on its TMT."""

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
    option,
    position,
    propose,
    proposed,
    request,
    run,
    set_predicate,
    state_of,
    task_for,
    update_employee,
)
from workflows.cli import tick

TARGET = "KEL-GAMBIR-01-PLK2"  # a pelaksana post in the employee's own kelurahan with one free seat
TO_DECISION = [("bkd_verifier", "verify"), ("board_member", "recommend"), ("pyb", "decide")]


async def propose_placement(api: DemoApi, target: str = TARGET, persona: str = "unit_head", **kw: object) -> str:
    return await proposed(
        api, persona, "proposePlacement", employeeNip=api.uid("employee"), positionCode=target, effectiveDate=TMT, **kw
    )


async def test_a_placement_runs_every_step_from_each_actors_inbox_and_moves_the_employee_on_its_tmt(
    demo: DemoApi,
) -> None:
    nip = demo.uid("employee")
    started = next(a["startDate"] for a in (await employee(demo, nip))["assignments"] if a["endDate"] is None)
    before_target = await position(demo, TARGET)
    before_origin = await position(demo, EMPLOYEE_POSITION)
    rid = await propose_placement(demo, reason="strengthen the services desk")
    assert await state_of(demo, rid) == "proposed"

    assert await run(demo, rid, TO_DECISION) == "approved"
    decreed = await drive(demo, rid, "bkd_official", "issue_decree", data={"decreeNo": "SK-PLC-1/2026"})
    assert (decreed["state"], decreed["terminal"], decreed["openTasks"]) == ("decreed", False, [])

    # Decreed, not yet effective: nothing moved.
    assert (await employee(demo, nip, as_of=TMT))["position"]["code"] == EMPLOYEE_POSITION
    assert await tick(demo.db, today=DAY_BEFORE_TMT) == 0
    assert await tick(demo.db, today=TMT) == 1
    assert await tick(demo.db, today=TMT) == 0, "a second tick on the same day must not apply it again"

    done = await request(demo, "auditor", rid)
    assert done is not None and (done["state"], done["terminal"], done["openTasks"]) == ("effective", True, [])
    person = await employee(demo, nip, as_of=TMT)
    assert person["position"]["code"] == TARGET
    assert (await employee(demo, nip, as_of=DAY_BEFORE_TMT))["position"]["code"] == EMPLOYEE_POSITION
    periods = {(a["position"]["code"], a["startDate"], a["endDate"]) for a in person["assignments"]}
    assert (EMPLOYEE_POSITION, started, DAY_BEFORE_TMT.isoformat()) in periods
    assert (TARGET, TMT.isoformat(), None) in periods
    assert [a["decreeNo"] for a in person["assignments"] if a["position"]["code"] == TARGET] == ["SK-PLC-1/2026"]

    async with demo.on(TMT) as on_tmt:
        target, origin = await position(on_tmt, TARGET), await position(on_tmt, EMPLOYEE_POSITION)
    assert nip in target["holderNips"] and nip not in origin["holderNips"]
    assert target["vacancies"] == before_target["vacancies"] - 1
    assert origin["vacancies"] == before_origin["vacancies"] + 1
    effects = [e["action"] for e in await history(demo, rid) if e["action"].startswith("assignment.")]
    assert effects == ["assignment.closed", "assignment.opened"]


async def test_the_ppk_may_decide_in_place_of_the_pyb(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION[:2])
    assert (await drive(demo, rid, "ppk", "decide"))["state"] == "approved"


async def test_a_decree_whose_tmt_has_come_takes_effect_with_it(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION)
    async with demo.on(TMT) as on_tmt:
        done = await drive(on_tmt, rid, "bkd_official", "issue_decree", data={"decreeNo": "SK-PLC-2/2026"})
    assert done["state"] == "effective"
    assert await tick(demo.db, today=TMT) == 0
    assert (await employee(demo, demo.uid("employee"), as_of=TMT))["position"]["code"] == TARGET


async def test_the_decree_needs_its_number(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION)
    missing = await act(demo, "bkd_official", rid, "issue_decree")
    assert (codes(missing), fields(missing)) == (["VALIDATION"], ["data.decreeNo"])
    assert await state_of(demo, rid) == "approved"


# ------------------------------------------------------------------------------------------ reject / return / withdraw


async def test_each_approver_may_reject_with_a_reason_and_the_request_ends(demo: DemoApi) -> None:
    for steps_before, rejecter in [([], "bkd_verifier"), (TO_DECISION[:1], "board_member"), (TO_DECISION[:2], "pyb")]:
        rid = await propose_placement(demo)
        await run(demo, rid, steps_before)
        task = await task_for(demo, rejecter, rid)
        assert option(task["request"], "reject")["allowed"]
        without_reason = await act(demo, rejecter, rid, "reject")
        assert (codes(without_reason), fields(without_reason)) == (["VALIDATION"], ["comment"])
        payload = await act(demo, rejecter, rid, "reject", comment="not the right candidate for this post")
        assert payload["errors"] == []
        assert (payload["request"]["state"], payload["request"]["terminal"]) == ("rejected", True)
        assert not await has_task(demo, rejecter, rid)
        late = await act(demo, "board_member", rid, "recommend")
        assert codes(late) == ["INVALID_TRANSITION"]
        trail = await history(demo, rid)
        assert (trail[-1]["action"], trail[-1]["comment"]) == (
            "request.reject",
            "not the right candidate for this post",
        )


async def test_a_returned_placement_goes_back_to_its_proposer_who_resubmits_and_the_steps_run_again(
    demo: DemoApi,
) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION[:1])
    without_reason = await act(demo, "board_member", rid, "return")
    assert (codes(without_reason), fields(without_reason)) == (["VALIDATION"], ["comment"])
    returned = await drive(demo, rid, "board_member", "return", comment="attach the competency map")
    assert returned["state"] == "returned"
    assert [(t["role"], t["assignee"]) for t in returned["openTasks"]] == [("proposer", demo.uid("unit_head"))]

    assert (await drive(demo, rid, "unit_head", "propose"))["state"] == "proposed"
    assert await run(demo, rid, TO_DECISION) == "approved"
    trail = await history(demo, rid)
    assert [e["action"] for e in trail if e["action"].startswith("request.")] == [
        "request.propose",
        "request.verify",
        "request.return",
        "request.propose",
        "request.verify",
        "request.recommend",
        "request.decide",
    ]
    assert [e["comment"] for e in trail if e["action"] == "request.return"] == ["attach the competency map"]


async def test_the_proposer_may_withdraw_until_the_decision(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION[:2])
    assert option(await request(demo, "unit_head", rid) or {}, "withdraw")["allowed"]
    not_theirs = await act(demo, "bkd_verifier", rid, "withdraw")
    assert codes(not_theirs) == ["FORBIDDEN"]
    payload = await act(demo, "unit_head", rid, "withdraw", comment="the post is being restructured")
    assert payload["errors"] == [] and payload["request"]["state"] == "withdrawn"
    assert not await has_task(demo, "pyb", rid)


async def test_withdraw_is_refused_once_the_decision_is_taken(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION)
    refused = await act(demo, "unit_head", rid, "withdraw")
    assert codes(refused) == ["INVALID_TRANSITION"]
    assert "decision has been taken" in refused["errors"][0]["message"]
    assert await state_of(demo, rid) == "approved"


# ------------------------------------------------------------------------------------------ guards


async def verify_refusal(api: DemoApi, rid: str) -> dict[str, object]:
    payload = await act(api, "bkd_verifier", rid, "verify")
    assert set(codes(payload)) == {"GUARD_FAILED"}, payload["errors"]
    assert await state_of(api, rid) == "proposed"
    return payload


async def test_a_full_slot_refuses_the_proposal_naming_slot_vacant(demo: DemoApi) -> None:
    payload = await propose(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-KA",  # the unit head's own post
        effectiveDate=TMT,
    )
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["slot_vacant"])
    assert payload["request"] is None


async def test_a_slot_filled_after_the_recommendation_refuses_the_decision(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    await run(demo, rid, TO_DECISION[:2])
    await fill_position(demo.db, TARGET, demo.uid("unit_hr"), dt.date(2026, 11, 1))
    refused = await act(demo, "pyb", rid, "decide")
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["slot_vacant"])
    assert "KEL-GAMBIR-01-PLK2 has an approved headcount of 4" in refused["errors"][0]["message"]
    assert await state_of(demo, rid) == "recommended"


async def test_verification_refuses_a_moderate_sanction_still_running(demo: DemoApi) -> None:
    await add_sanction(demo.db, demo.uid("employee"), "moderate", dt.date(2026, 6, 1), dt.date(2027, 5, 31))
    rid = await propose_placement(demo)
    payload = await verify_refusal(demo, rid)
    assert fields(payload) == ["no_active_sanction"]
    assert "discipline.active_sanction/2021" in payload["errors"][0]["message"]


async def test_verification_refuses_a_predicate_below_baik_in_the_last_two_years(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Butuh Perbaikan")
    rid = await propose_placement(demo)
    payload = await verify_refusal(demo, rid)
    assert fields(payload) == ["predicate_last_two_years"]
    assert "2025: Butuh Perbaikan" in payload["errors"][0]["message"]


async def test_verification_refuses_a_pengawas_post_without_d3_education(demo: DemoApi) -> None:
    await add_position(demo.db, "KEL-GAMBIR-01-KASI", unit_code="KEL-GAMBIR-01", type="PENGAWAS", job_class=9)
    rid = await propose_placement(demo, target="KEL-GAMBIR-01-KASI")
    payload = await verify_refusal(demo, rid)
    assert fields(payload) == ["managerial_requirements"]
    assert "education SLTA is below D-III" in payload["errors"][0]["message"]


async def test_verification_refuses_an_administrator_post_without_three_years_as_pengawas(demo: DemoApi) -> None:
    # The unit head (D-III, pengawas since April 2024) proposed by BKD to a new administrator post.
    await update_employee(demo.db, demo.uid("unit_head"), education="S1")
    await add_position(demo.db, "KEC-GAMBIR-KABAG", unit_code="KEC-GAMBIR", type="ADMINISTRATOR", job_class=12)
    rid = await proposed(
        demo,
        "bkd_official",
        "proposePlacement",
        employeeNip=demo.uid("unit_head"),
        positionCode="KEC-GAMBIR-KABAG",
        effectiveDate=TMT,
    )
    payload = await verify_refusal(demo, rid)
    assert fields(payload) == ["managerial_requirements"]
    assert "years as pengawas/fungsional, less than 3" in payload["errors"][0]["message"]


async def test_verification_refuses_an_employee_within_twelve_months_of_retirement(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), birth_date=dt.date(1969, 3, 10))  # 58 in March 2027
    rid = await propose_placement(demo)
    payload = await verify_refusal(demo, rid)
    assert fields(payload) == ["not_near_retirement"]
    assert "retires on 2027-04-01 at 58" in payload["errors"][0]["message"]


async def test_verification_names_every_failed_rule_at_once(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await set_predicate(demo.db, nip, 2024, "Kurang")
    await add_sanction(demo.db, nip, "heavy", dt.date(2026, 1, 1), None)
    rid = await propose_placement(demo)
    payload = await verify_refusal(demo, rid)
    assert sorted(fields(payload)) == ["no_active_sanction", "predicate_last_two_years"]  # type: ignore[type-var]


async def test_a_rank_outside_the_posts_range_is_a_recorded_warning_not_a_refusal(demo: DemoApi) -> None:
    target = "KEL-GAMBIR-01-PLK3"  # I/a..I/d, the employee is II/d
    rid = await propose_placement(demo, target=target)
    assert (await drive(demo, rid, "bkd_verifier", "verify"))["state"] == "verified"
    verified = next(e for e in await history(demo, rid) if e["action"] == "request.verify")
    assert any(w.startswith("rank_in_position_range") for w in verified["after"]["warnings"])
