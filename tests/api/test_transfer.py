"""Transfer through the API: submitted (here by the employee) -> released by the origin head -> accepted by the
target head -> BKD verifies -> the board recommends -> PPK/PyB decides -> decree -> effective on its TMT."""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    DAY_BEFORE_TMT,
    TMT,
    DemoApi,
    act,
    add_sanction,
    codes,
    drive,
    employee,
    fields,
    fill_position,
    has_task,
    history,
    move_current_post_start,
    option,
    position,
    propose,
    proposed,
    request,
    run,
    state_of,
    task_for,
    update_employee,
)
from workflows.cli import tick

HEADS = [("unit_head", "release"), ("target_head", "accept")]
TO_DECISION = [*HEADS, ("bkd_verifier", "verify"), ("board_member", "recommend"), ("ppk", "decide")]


async def submit(api: DemoApi, persona: str = "employee", **kw: object) -> str:
    return await proposed(
        api,
        persona,
        "proposeTransfer",
        employeeNip=api.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
        **kw,
    )


async def test_an_employees_own_transfer_runs_every_step_and_moves_them_on_its_tmt(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    started = next(a["startDate"] for a in (await employee(demo, nip))["assignments"] if a["endDate"] is None)
    before_target = await position(demo, TRANSFER_TARGET_POSITION)
    rid = await submit(demo, reason="closer to home")
    assert await state_of(demo, rid) == "submitted"
    assert not await has_task(demo, "target_head", rid), "the target head waits for the origin head's release"

    assert await run(demo, rid, TO_DECISION) == "approved"
    assert (await drive(demo, rid, "bkd_official", "issue_decree", data={"decreeNo": "SK-MUT-1/2026"}))[
        "state"
    ] == "decreed"
    assert await tick(demo.db, today=DAY_BEFORE_TMT) == 0
    assert await tick(demo.db, today=TMT) == 1
    assert await tick(demo.db, today=TMT) == 0

    assert await state_of(demo, rid) == "effective"
    person = await employee(demo, nip, as_of=TMT)
    assert person["position"]["code"] == TRANSFER_TARGET_POSITION
    periods = {(a["position"]["code"], a["startDate"], a["endDate"]) for a in person["assignments"]}
    assert {
        (EMPLOYEE_POSITION, started, DAY_BEFORE_TMT.isoformat()),
        (TRANSFER_TARGET_POSITION, TMT.isoformat(), None),
    } <= periods
    async with demo.on(TMT) as on_tmt:
        target, origin = await position(on_tmt, TRANSFER_TARGET_POSITION), await position(on_tmt, EMPLOYEE_POSITION)
    assert nip in target["holderNips"] and nip not in origin["holderNips"]
    assert target["vacancies"] == before_target["vacancies"] - 1
    assert [e["action"] for e in await history(demo, rid) if e["action"].startswith("assignment.")] == [
        "assignment.closed",
        "assignment.opened",
    ]


async def test_the_origin_head_who_submits_gives_the_release_with_the_submission(demo: DemoApi) -> None:
    rid = await submit(demo, "unit_head")
    assert await state_of(demo, rid) == "released"
    trail = await history(demo, rid)
    assert [(e["action"], e["actor"]) for e in trail] == [
        ("request.submit", demo.uid("unit_head")),
        ("request.release", demo.uid("unit_head")),
    ]
    assert (await drive(demo, rid, "target_head", "accept"))["state"] == "accepted"


async def test_the_target_head_who_submits_gives_the_acceptance_once_the_origin_releases(demo: DemoApi) -> None:
    rid = await submit(demo, "target_head")
    assert await state_of(demo, rid) == "submitted"
    assert (await drive(demo, rid, "unit_head", "release"))["state"] == "accepted"
    assert [e["action"] for e in await history(demo, rid)][-1] == "request.accept"


async def test_only_the_origin_head_releases(demo: DemoApi) -> None:
    rid = await submit(demo)
    refused = await act(demo, "target_head", rid, "release")
    assert codes(refused) == ["FORBIDDEN"]
    assert "release is for unit_head of the origin unit" in refused["errors"][0]["message"]


# ------------------------------------------------------------------------------------------ reject / return / withdraw


async def test_each_step_owner_may_reject_with_a_reason(demo: DemoApi) -> None:
    owners = ["unit_head", "target_head", "bkd_verifier", "board_member", "ppk"]
    for done, rejecter in enumerate(owners):
        rid = await submit(demo)
        await run(demo, rid, TO_DECISION[:done])
        assert option((await task_for(demo, rejecter, rid))["request"], "reject")["allowed"]
        assert fields(await act(demo, rejecter, rid, "reject")) == ["comment"]
        payload = await act(demo, rejecter, rid, "reject", comment=f"{rejecter} cannot agree")
        assert payload["errors"] == [] and payload["request"]["state"] == "rejected", rejecter
        assert payload["request"]["terminal"]


async def test_a_returned_transfer_is_resubmitted_by_the_employee_and_runs_the_steps_again(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, HEADS)
    assert (await drive(demo, rid, "bkd_verifier", "return", comment="attach the release letter"))[
        "state"
    ] == "returned"
    task = await task_for(demo, "employee", rid)
    assert (task["role"], task["assignee"]) == ("proposer", demo.uid("employee"))
    assert (await drive(demo, rid, "employee", "submit"))["state"] == "submitted"
    assert await run(demo, rid, TO_DECISION) == "approved"
    steps = [e["action"] for e in await history(demo, rid) if e["action"].startswith("request.")]
    assert steps.count("request.release") == 2 and steps.count("request.accept") == 2
    assert "request.return" in steps


async def test_the_employee_may_withdraw_their_transfer_until_the_decision(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, TO_DECISION[:4])
    payload = await act(demo, "employee", rid, "withdraw")
    assert payload["errors"] == [] and payload["request"]["state"] == "withdrawn"
    assert not await has_task(demo, "ppk", rid)


async def test_withdraw_is_refused_once_the_transfer_is_decided(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, TO_DECISION)
    refused = await act(demo, "employee", rid, "withdraw")
    assert codes(refused) == ["INVALID_TRANSITION"] and "decision has been taken" in refused["errors"][0]["message"]
    assert await state_of(demo, rid) == "approved"


# ------------------------------------------------------------------------------------------ guards


async def test_less_than_two_years_in_post_refuses_the_submission_without_an_exception_reason(demo: DemoApi) -> None:
    await move_current_post_start(demo.db, demo.uid("employee"), dt.date(2025, 6, 1))
    payload = await propose(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["min_years_in_post"])
    assert "transfer.years_in_post/2020" in payload["errors"][0]["message"]


async def test_an_exception_reason_lets_a_short_stint_go_ahead_with_a_recorded_warning(demo: DemoApi) -> None:
    await move_current_post_start(demo.db, demo.uid("employee"), dt.date(2025, 6, 1))
    rid = await submit(demo, exceptionReason="the target kelurahan has lost its only clerk")
    await run(demo, rid, [*HEADS, ("bkd_verifier", "verify")])
    verified = next(e for e in await history(demo, rid) if e["action"] == "request.verify")
    assert any("allowed by exception" in w for w in verified["after"]["warnings"])


async def test_a_full_target_slot_refuses_the_submission(demo: DemoApi) -> None:
    payload = await propose(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode="KEL-GAMBIR-02-PLK3",  # 2 seats, 2 holders
        effectiveDate=TMT,
    )
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["slot_vacant"])


async def test_a_target_slot_filled_meanwhile_refuses_verification(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, HEADS)
    await fill_position(demo.db, TRANSFER_TARGET_POSITION, demo.uid("unit_hr"), dt.date(2026, 11, 1))
    payload = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["slot_vacant"])
    assert await state_of(demo, rid) == "accepted"


async def test_verification_refuses_an_active_sanction(demo: DemoApi) -> None:
    await add_sanction(demo.db, demo.uid("employee"), "moderate", dt.date(2026, 10, 1), dt.date(2027, 9, 30))
    rid = await submit(demo)
    await run(demo, rid, HEADS)
    payload = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["no_active_sanction"])


async def test_verification_refuses_an_employee_near_retirement(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), birth_date=dt.date(1969, 2, 2))
    rid = await submit(demo)
    await run(demo, rid, HEADS)
    payload = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["not_near_retirement"])
    found = await request(demo, "auditor", rid)
    assert found is not None and found["state"] == "accepted"
