"""Rank promotion through the API: unit HR proposes and readies the documents -> BKD verifies -> BKD submits to
BKN -> BKN answers MS / BTS / TMS -> decree -> the rank rises on the period date."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import RankHistory
from tests.api.helpers import (
    DAY_BEFORE_TMT,
    TMT,
    DemoApi,
    act,
    add_sanction,
    codes,
    drive,
    employee,
    employee_id,
    fields,
    has_task,
    history,
    propose,
    proposed,
    run,
    set_predicate,
    state_of,
    update_employee,
)
from workflows.cli import tick

TO_BKN = [("unit_hr", "prepare_documents"), ("bkd_verifier", "verify"), ("bkd_official", "submit_bkn")]


async def propose_promotion(api: DemoApi, effective: dt.date = TMT) -> str:
    return await proposed(
        api, "unit_hr", "proposeRankPromotion", employeeNip=api.uid("employee"), effectiveDate=effective
    )


async def rank_history(api: DemoApi, nip: str) -> list[tuple[object, ...]]:
    async with api.db.read() as s:
        rows = await s.execute(
            select(RankHistory.rank_code, RankHistory.tmt, RankHistory.decree_no)
            .where(RankHistory.employee_id == await employee_id(api.db, nip))
            .order_by(RankHistory.tmt)
        )
        return [tuple(r) for r in rows]


async def with_service_exam(api: DemoApi) -> None:
    """The employee (II/d, SLTA) has passed the service exam that group III needs."""
    await update_employee(api.db, api.uid("employee"), has_service_exam=True)


async def test_bkn_ms_and_the_decree_raise_the_rank_on_the_period_date_with_a_new_rank_history(
    demo: DemoApi,
) -> None:
    nip = demo.uid("employee")
    await with_service_exam(demo)
    assert (await employee(demo, nip))["rank"] == {"code": "II/d", "name": "Pengatur Tingkat I"}
    ranks_before = await rank_history(demo, nip)
    rid = await propose_promotion(demo)
    assert await run(demo, rid, TO_BKN) == "at_bkn"
    assert (await drive(demo, rid, "bkd_official", "record_bkn_answer", data={"answer": "MS"}))[
        "state"
    ] == "bkn_approved"
    assert (await drive(demo, rid, "bkd_official", "issue_decree", data={"decreeNo": "KP-2026-12/0042"}))[
        "state"
    ] == "decreed"
    assert (await employee(demo, nip))["rank"]["code"] == "II/d"

    assert await tick(demo.db, today=DAY_BEFORE_TMT) == 0
    assert await tick(demo.db, today=TMT) == 1
    assert await tick(demo.db, today=TMT) == 0

    assert await state_of(demo, rid) == "effective"
    person = await employee(demo, nip)
    assert (person["rank"], person["rankSince"]) == ({"code": "III/a", "name": "Penata Muda"}, TMT.isoformat())
    changed = [e for e in await history(demo, rid) if e["action"] == "rank.changed"]
    assert len(changed) == 1
    assert (changed[0]["before"]["rank_code"], changed[0]["after"]["rank_code"]) == ("II/d", "III/a")
    # The legacy service-exam flag stood for the group III certificate: the crossing uses it up, so group IV
    # will need a certificate of its own.
    assert (changed[0]["before"]["has_service_exam"], changed[0]["after"]["has_service_exam"]) == (True, False)
    # The rank history has no field in the API yet: read it from the registry.
    ranks = await rank_history(demo, nip)
    assert ranks == [*ranks_before, ("III/a", TMT, "KP-2026-12/0042")]


async def test_bkn_bts_returns_it_to_the_proposer_who_resubmits_and_tms_rejects_it(demo: DemoApi) -> None:
    await with_service_exam(demo)
    rid = await propose_promotion(demo)
    await run(demo, rid, TO_BKN)
    unknown = await act(demo, "bkd_official", rid, "record_bkn_answer", data={"answer": "MAYBE"})
    assert (codes(unknown), fields(unknown)) == (["VALIDATION"], ["data.answer"])
    no_reason = await act(demo, "bkd_official", rid, "record_bkn_answer", data={"answer": "BTS"})
    assert fields(no_reason) == ["comment"]
    bts = await drive(
        demo, rid, "bkd_official", "record_bkn_answer", data={"answer": "BTS"}, comment="SK copy is not legalised"
    )
    assert bts["state"] == "returned"
    assert (await drive(demo, rid, "unit_hr", "propose"))["state"] == "proposed"
    assert await run(demo, rid, TO_BKN) == "at_bkn"
    tms = await drive(
        demo, rid, "bkd_official", "record_bkn_answer", data={"answer": "TMS"}, comment="education cap reached"
    )
    assert (tms["state"], tms["terminal"]) == ("rejected", True)
    answers = [
        (e["fromState"], e["toState"], e["comment"])
        for e in await history(demo, rid)
        if e["action"] == "request.record_bkn_answer"
    ]
    assert answers == [
        ("at_bkn", "returned", "SK copy is not legalised"),
        ("at_bkn", "rejected", "education cap reached"),
    ]


async def test_bkd_returns_incomplete_documents_to_unit_hr(demo: DemoApi) -> None:
    await with_service_exam(demo)
    rid = await propose_promotion(demo)
    await run(demo, rid, TO_BKN[:1])
    assert (await drive(demo, rid, "bkd_verifier", "return", comment="last two SKP missing"))["state"] == "returned"
    assert await has_task(demo, "unit_hr", rid)
    assert await run(demo, rid, [("unit_hr", "propose"), *TO_BKN]) == "at_bkn"


async def test_bkd_may_reject_at_verification_with_a_reason(demo: DemoApi) -> None:
    rid = await propose_promotion(demo)
    await run(demo, rid, TO_BKN[:1])
    assert fields(await act(demo, "bkd_verifier", rid, "reject")) == ["comment"]
    rejected = await drive(demo, rid, "bkd_verifier", "reject", comment="not on this period's eligibility list")
    assert (rejected["state"], rejected["terminal"]) == ("rejected", True)


async def test_unit_hr_may_withdraw_before_bkn_but_not_once_it_is_at_bkn(demo: DemoApi) -> None:
    await with_service_exam(demo)
    rid = await propose_promotion(demo)
    await run(demo, rid, TO_BKN[:2])
    assert (await act(demo, "unit_hr", rid, "withdraw"))["request"]["state"] == "withdrawn"

    again = await propose_promotion(demo)
    await run(demo, again, TO_BKN)
    refused = await act(demo, "unit_hr", again, "withdraw")
    assert codes(refused) == ["INVALID_TRANSITION"] and "decision has been taken" in refused["errors"][0]["message"]
    assert await state_of(demo, again) == "at_bkn"


# ------------------------------------------------------------------------------------------ guards


async def verification_refusal(api: DemoApi) -> list[str | None]:
    rid = await propose_promotion(api)
    await run(api, rid, TO_BKN[:1])
    payload = await act(api, "bkd_verifier", rid, "verify")
    assert set(codes(payload)) == {"GUARD_FAILED"}, payload["errors"]
    assert await state_of(api, rid) == "documents_ready"
    return fields(payload)


async def test_a_date_that_is_not_a_promotion_period_refuses_the_proposal(demo: DemoApi) -> None:
    payload = await propose(
        demo, "unit_hr", "proposeRankPromotion", employeeNip=demo.uid("employee"), effectiveDate=dt.date(2026, 12, 15)
    )
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["promotion_period"])
    assert "rank_promotion.periods/2025-10" in payload["errors"][0]["message"]


async def test_crossing_into_group_iii_without_the_service_exam_is_refused(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), has_service_exam=False)
    assert await verification_refusal(demo) == ["service_exam"]


async def test_less_than_four_years_in_rank_is_refused(demo: DemoApi) -> None:
    await with_service_exam(demo)
    await update_employee(demo.db, demo.uid("employee"), rank_since=dt.date(2024, 4, 1))
    assert await verification_refusal(demo) == ["min_years_in_rank"]


async def test_a_predicate_below_baik_in_the_last_two_years_is_refused(demo: DemoApi) -> None:
    await with_service_exam(demo)
    await set_predicate(demo.db, demo.uid("employee"), 2024, "Kurang")
    assert await verification_refusal(demo) == ["predicate_last_two_years"]


async def test_a_rank_at_the_education_cap_is_refused(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), rank_code="III/b")  # SLTA caps at III/b
    assert await verification_refusal(demo) == ["education_cap"]


async def test_an_active_sanction_is_refused(demo: DemoApi) -> None:
    await with_service_exam(demo)
    await add_sanction(demo.db, demo.uid("employee"), "heavy", dt.date(2026, 3, 1), dt.date(2029, 2, 28))
    assert await verification_refusal(demo) == ["no_active_sanction"]


async def test_the_employee_persona_as_seeded_can_be_promoted(demo: DemoApi) -> None:
    rid = await propose_promotion(demo)
    assert await run(demo, rid, TO_BKN) == "at_bkn"
