"""Training records through the API: the employee requests -> the direct supervisor approves -> attended ->
claimed with the certificate's hours -> BKD verifies, and the hours count towards the year's 20."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import DemoApi, act, codes, drive, employee, fields, history, proposed, run, state_of

TRAINING_DAY = dt.date(2026, 11, 20)
CLAIM = {"hours": 12, "certificate": "BPSDM-2026-11-0815"}


async def request_training(api: DemoApi, hours: int = 16) -> str:
    return await proposed(
        api,
        "employee",
        "proposeTraining",
        employeeNip=api.uid("employee"),
        title="Pelayanan publik prima",
        hours=hours,
        date=TRAINING_DAY,
    )


async def hours_in_2026(api: DemoApi) -> int:
    return int((await employee(api, api.uid("employee"), year=2026))["trainingHours"])


async def test_a_verified_claim_counts_the_certificates_hours(demo: DemoApi) -> None:
    before = await hours_in_2026(demo)
    rid = await request_training(demo)
    assert (
        await run(
            demo,
            rid,
            [("unit_head", "approve"), ("employee", "record_attendance"), ("employee", "claim", CLAIM)],
        )
        == "claimed"
    )
    assert await hours_in_2026(demo) == before, "a claim counts only once verified"
    done = await drive(demo, rid, "bkd_verifier", "verify")
    assert (done["state"], done["terminal"]) == ("verified", True)
    assert await hours_in_2026(demo) == before + 12  # the certificate's hours, not the 16 planned
    assert [e["action"] for e in await history(demo, rid)][-1] == "training.recorded"


async def test_unit_hr_may_record_the_attendance(demo: DemoApi) -> None:
    rid = await request_training(demo)
    await run(demo, rid, [("unit_head", "approve")])
    assert (await drive(demo, rid, "unit_hr", "record_attendance"))["state"] == "attended"


async def test_the_supervisor_may_reject_a_request_with_a_reason(demo: DemoApi) -> None:
    rid = await request_training(demo)
    assert fields(await act(demo, "unit_head", rid, "reject")) == ["comment"]
    rejected = await drive(demo, rid, "unit_head", "reject", comment="the budget for this year is spent")
    assert (rejected["state"], rejected["terminal"]) == ("rejected", True)


async def test_bkd_returns_an_unreadable_claim_and_the_employee_claims_again(demo: DemoApi) -> None:
    before = await hours_in_2026(demo)
    rid = await request_training(demo)
    await run(demo, rid, [("unit_head", "approve"), ("employee", "record_attendance"), ("employee", "claim", CLAIM)])
    assert fields(await act(demo, "bkd_verifier", rid, "return")) == ["comment"]
    assert (await drive(demo, rid, "bkd_verifier", "return", comment="certificate scan unreadable"))[
        "state"
    ] == "attended"
    assert (
        await run(
            demo,
            rid,
            [("employee", "claim", {**CLAIM, "certificate": "BPSDM-2026-11-0815-rescan"}), ("bkd_verifier", "verify")],
        )
        == "verified"
    )
    assert await hours_in_2026(demo) == before + 12
    claims = [e for e in await history(demo, rid) if e["action"] == "request.claim"]
    assert len(claims) == 2


async def test_a_claim_without_positive_hours_or_a_certificate_is_refused_naming_the_field(demo: DemoApi) -> None:
    rid = await request_training(demo)
    await run(demo, rid, [("unit_head", "approve"), ("employee", "record_attendance")])
    zero = await act(demo, "employee", rid, "claim", data={"hours": 0, "certificate": "C-1"})
    assert (codes(zero), fields(zero)) == (["VALIDATION"], ["data.hours"])
    no_certificate = await act(demo, "employee", rid, "claim", data={"hours": 8})
    assert (codes(no_certificate), fields(no_certificate)) == (["VALIDATION"], ["data.certificate"])
    assert await state_of(demo, rid) == "attended"


async def test_the_employee_cannot_approve_their_own_training(demo: DemoApi) -> None:
    rid = await request_training(demo)
    own = await act(demo, "employee", rid, "approve")
    assert codes(own) == ["FORBIDDEN"]
    assert await state_of(demo, rid) == "requested"
