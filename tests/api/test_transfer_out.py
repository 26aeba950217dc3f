"""Transfer out of Jakarta through the API: submitted (here by the employee) -> released by the origin head ->
BKD verifies -> the board recommends -> PPK/PyB decides the release -> the receiving province accepts, BKN gives
its technical approval and the Home Affairs ministry decides (three outside answers recorded by BKD) -> on its
TMT the employee's Jakarta post closes the day before and they leave Jakarta's active staff."""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    DAY_BEFORE_TMT,
    TMT,
    DemoApi,
    act,
    codes,
    drive,
    employee,
    fields,
    has_task,
    history,
    move_current_post_start,
    position,
    propose,
    proposed,
    run,
    state_of,
)
from workflows.cli import tick

DESTINATION = "Pemerintah Provinsi Jawa Barat"
TO_RELEASE = [("unit_head", "release"), ("bkd_verifier", "verify"), ("board_member", "recommend"), ("ppk", "decide")]
OUTSIDE = [
    ("bkd_official", "record_receiving_answer", {"answer": "accepted"}),
    ("bkd_official", "record_bkn_answer", {"answer": "approved"}),
    ("bkd_official", "record_home_affairs_decision", {"answer": "approved", "decreeNo": "Kemendagri 800-1/2026"}),
]
STATUS = "query($nip: String!) { employee(nip: $nip) { status } }"


async def submit(api: DemoApi, persona: str = "employee", **kw: object) -> str:
    values = {"employeeNip": api.uid("employee"), "destination": DESTINATION, "effectiveDate": TMT, **kw}
    return await proposed(api, persona, "proposeTransferOut", **values)


async def status(api: DemoApi, nip: str) -> str:
    return str((await api.ask("auditor", STATUS, nip=nip))["employee"]["status"])


async def test_an_employee_leaves_jakarta_after_the_release_and_the_three_outside_answers(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    vacancies = (await position(demo, EMPLOYEE_POSITION))["vacancies"]
    rid = await submit(demo, reason="following my spouse to Bandung")
    assert await state_of(demo, rid) == "submitted"
    assert await run(demo, rid, TO_RELEASE) == "release_decided"
    assert await run(demo, rid, OUTSIDE) == "decreed"
    assert await tick(demo.db, today=DAY_BEFORE_TMT) == 0
    assert await tick(demo.db, today=TMT) == 1
    assert await tick(demo.db, today=TMT) == 0

    assert await state_of(demo, rid) == "effective"
    assert await status(demo, nip) == "moved_out"
    person = await employee(demo, nip, as_of=TMT)
    assert person["position"] is None
    assert (EMPLOYEE_POSITION, DAY_BEFORE_TMT.isoformat()) in {
        (a["position"]["code"], a["endDate"]) for a in person["assignments"]
    }
    async with demo.on(TMT) as on_tmt:
        assert (await position(on_tmt, EMPLOYEE_POSITION))["vacancies"] == vacancies + 1
    effects = [e for e in await history(demo, rid) if not e["action"].startswith("request.")]
    assert [e["action"] for e in effects] == ["assignment.closed", "employee.moved_out"]
    assert effects[1]["before"] == {"status": "active"}
    assert effects[1]["after"]["destination"] == DESTINATION


async def test_the_outside_answers_are_recorded_by_bkd_with_the_answer_named(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, TO_RELEASE)
    missing = await act(demo, "bkd_official", rid, "record_receiving_answer")
    assert (codes(missing), fields(missing)) == (["VALIDATION"], ["data.answer"])
    assert "one of accepted, refused" in missing["errors"][0]["message"]
    assert codes(await act(demo, "bkd_verifier", rid, "record_receiving_answer", data={"answer": "accepted"})) == [
        "FORBIDDEN"
    ]
    assert codes(await act(demo, "bkd_official", rid, "record_bkn_answer", data={"answer": "approved"})) == [
        "INVALID_TRANSITION"
    ], "BKN is asked only after the receiving province accepted"


async def test_a_refusal_from_outside_ends_the_request_and_the_employee_stays(demo: DemoApi) -> None:
    for answers in (
        [("bkd_official", "record_receiving_answer", {"answer": "refused"})],
        [OUTSIDE[0], ("bkd_official", "record_bkn_answer", {"answer": "refused"})],
        [*OUTSIDE[:2], ("bkd_official", "record_home_affairs_decision", {"answer": "refused"})],
    ):
        rid = await submit(demo)
        await run(demo, rid, TO_RELEASE)
        for persona, action, data in answers[:-1]:
            await drive(demo, rid, persona, action, data=data)
        persona, action, data = answers[-1]
        payload = await act(demo, persona, rid, action, data=data, comment="not now")
        assert payload["errors"] == [] and payload["request"]["state"] == "rejected", action
        assert payload["request"]["terminal"]
    assert await status(demo, demo.uid("employee")) == "active"
    assert await tick(demo.db, today=TMT) == 0


async def test_only_the_origin_head_releases_and_other_units_do_not_even_see_it(demo: DemoApi) -> None:
    rid = await submit(demo)
    assert codes(await act(demo, "target_head", rid, "release")) == ["NOT_FOUND"]  # the head of another unit
    assert codes(await act(demo, "employee", rid, "release")) == ["FORBIDDEN"]
    assert await has_task(demo, "unit_head", rid)


async def test_the_origin_head_who_submits_gives_the_release_with_the_submission(demo: DemoApi) -> None:
    rid = await submit(demo, "unit_head")
    assert await state_of(demo, rid) == "released"


async def test_withdraw_is_refused_once_the_release_is_decided(demo: DemoApi) -> None:
    rid = await submit(demo)
    await run(demo, rid, TO_RELEASE)
    refused = await act(demo, "employee", rid, "withdraw")
    assert codes(refused) == ["INVALID_TRANSITION"]
    assert await state_of(demo, rid) == "release_decided"


async def test_less_than_two_years_in_post_needs_an_exception_reason(demo: DemoApi) -> None:
    await move_current_post_start(demo.db, demo.uid("employee"), dt.date(2025, 6, 1))
    values = {"employeeNip": demo.uid("employee"), "destination": DESTINATION, "effectiveDate": TMT}
    payload = await propose(demo, "employee", "proposeTransferOut", **values)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["min_years_in_post"])
    rid = await submit(demo, exceptionReason="spouse posted to Bandung by the ministry")
    await run(demo, rid, TO_RELEASE[:2])
    verified = next(e for e in await history(demo, rid) if e["action"] == "request.verify")
    assert any("allowed by exception" in w for w in verified["after"]["warnings"])


async def test_bad_input_names_the_field_and_the_value(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    blank = await propose(demo, "employee", "proposeTransferOut", employeeNip=nip, destination=" ", effectiveDate=TMT)
    assert (codes(blank), fields(blank)) == (["VALIDATION"], ["destination"])
    past = await propose(
        demo,
        "employee",
        "proposeTransferOut",
        employeeNip=nip,
        destination=DESTINATION,
        effectiveDate=dt.date(2026, 1, 1),
    )
    assert fields(past) == ["effectiveDate"] and "2026-01-01 is in the past" in past["errors"][0]["message"]
    nobody = await propose(
        demo, "bkd_official", "proposeTransferOut", employeeNip="1" * 18, destination=DESTINATION, effectiveDate=TMT
    )
    assert (codes(nobody), fields(nobody)) == (["NOT_FOUND"], ["employeeNip"])


async def test_one_unfinished_transfer_at_a_time_in_or_out_of_jakarta(demo: DemoApi) -> None:
    await submit(demo)
    within = await propose(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert fields(within) == ["employeeNip"] and "unfinished transfer out request" in within["errors"][0]["message"]
    again = await propose(
        demo,
        "employee",
        "proposeTransferOut",
        employeeNip=demo.uid("employee"),
        destination="Jawa Timur",
        effectiveDate=TMT,
    )
    assert fields(again) == ["employeeNip"]
