"""A decided placement holds its slot: the vacancy is reserved at the decision, never discovered at the decree.

The probe: a supervisory (PENGAWAS) post recorded with quota 2 let a second placement pass every step and
then fail at ``issue_decree``, with no action left but the failing one. Now a managerial post seats one
definitive holder whatever quota it carries (``placement.vacancy``), decided requests count against the
seats together with the holders, and ``upsertPosition`` refuses a managerial quota other than 1 and a
quota below the seats already taken.
"""

from __future__ import annotations

from typing import Any

from server.rules import rule_by_id
from tests.api.helpers import (
    TMT,
    DemoApi,
    act,
    add_position,
    codes,
    drive,
    fields,
    option,
    proposed,
    request,
    run,
    state_of,
    update_employee,
)

KASI = "KEL-GAMBIR-01-KASI"
TARGET = "KEL-GAMBIR-01-PLK2"  # a pelaksana post with an approved headcount of 4, one seat free
TO_RECOMMENDATION = [("bkd_verifier", "verify"), ("board_member", "recommend")]
UPSERT = """mutation($input: UpsertPositionInput!) {
  upsertPosition(input: $input) { position { code quota } errors { code field message } } }"""
POSITION_FIELDS = """query($code: String!) { position(code: $code) {
  code title type quota jobClass minEducation minRank maxRank unit { code } } }"""


async def ready_for_pengawas(api: DemoApi, persona: str) -> str:
    """The persona (over 4 years as pelaksana already) with D-III: eligible for a pengawas post."""
    nip = api.uid(persona)
    await update_employee(api.db, nip, education="D-III")
    return nip


async def placement(api: DemoApi, nip: str, code: str) -> str:
    return await proposed(
        api, "bkd_official", "proposePlacement", employeeNip=nip, positionCode=code, effectiveDate=TMT
    )


async def upsert(api: DemoApi, code: str, **changes: Any) -> dict[str, Any]:
    found = (await api.ask("bkd_official", POSITION_FIELDS, code=code))["position"]
    current = {
        "code": found["code"],
        "title": found["title"],
        "type": found["type"],
        "unitCode": found["unit"]["code"],
        "quota": found["quota"],
        "jobClass": found["jobClass"],
        "minEducation": found["minEducation"],
        "minRank": found["minRank"],
        "maxRank": found["maxRank"],
    }
    data = await api.ask("bkd_official", UPSERT, input={**current, **changes})
    return data["upsertPosition"]  # type: ignore[no-any-return]


async def test_a_second_placement_into_a_supervisory_post_is_refused_at_the_decision(demo: DemoApi) -> None:
    # Recorded before the rule, with quota 2: the post still seats one definitive holder.
    await add_position(demo.db, KASI, unit_code="KEL-GAMBIR-01", type="PENGAWAS", job_class=9, quota=2)
    first = await placement(demo, await ready_for_pengawas(demo, "employee"), KASI)
    second = await placement(demo, await ready_for_pengawas(demo, "unit_hr"), KASI)
    assert await run(demo, first, TO_RECOMMENDATION) == "recommended"
    assert await run(demo, second, TO_RECOMMENDATION) == "recommended"
    assert (await drive(demo, first, "pyb", "decide"))["state"] == "approved"

    refused = await act(demo, "pyb", second, "decide")
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["slot_vacant"])
    message = refused["errors"][0]["message"]
    assert f"{KASI} has a managerial PENGAWAS post: 1 definitive holder" in message
    assert "0 holder(s) on 2026-12-01 and 1 decided request(s) waiting to take effect" in message
    assert "placement.vacancy/2014" in message
    assert await state_of(demo, second) == "recommended"

    # No dead end: the refused request can still be rejected, and the decided one takes effect.
    pending = await request(demo, "pyb", second)
    assert pending is not None and option(pending, "reject")["allowed"]
    rejected = await act(demo, "pyb", second, "reject", comment="the post is taken by a decided placement")
    assert rejected["errors"] == [] and rejected["request"]["state"] == "rejected"
    async with demo.on(TMT) as on_tmt:
        decreed = await drive(on_tmt, first, "bkd_official", "issue_decree", data={"decreeNo": "SK-KASI/2026"})
    assert decreed["state"] == "effective"


async def test_decided_requests_count_against_a_headcount_with_the_holders(demo: DemoApi) -> None:
    first = await placement(demo, demo.uid("employee"), TARGET)
    second = await placement(demo, demo.uid("unit_hr"), TARGET)
    await run(demo, first, TO_RECOMMENDATION)
    await run(demo, second, TO_RECOMMENDATION)
    await run(demo, first, [("pyb", "decide")])
    refused = await act(demo, "ppk", second, "decide")
    assert fields(refused) == ["slot_vacant"]
    assert "1 decided request(s) waiting to take effect" in refused["errors"][0]["message"]


async def test_a_managerial_position_must_have_quota_one(demo: DemoApi) -> None:
    await add_position(demo.db, KASI, unit_code="KEL-GAMBIR-01", type="PENGAWAS", job_class=9)
    payload = await upsert(demo, KASI, quota=2)
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["quota"])
    assert payload["errors"][0]["message"] == (
        "quota 2 for a PENGAWAS position: a managerial position has one definitive holder; use quota 1 "
        f"(rule placement.vacancy/2014, {rule_by_id('placement.vacancy/2014').legal_basis})"
    )
    staff = await upsert(demo, TARGET, type="ADMINISTRATOR")
    assert fields(staff) == ["quota"]


async def test_a_quota_below_the_holders_and_the_decided_requests_is_refused(demo: DemoApi) -> None:
    before = (await demo.ask("bkd_official", POSITION_FIELDS, code=TARGET))["position"]["quota"]
    rid = await placement(demo, demo.uid("employee"), TARGET)
    await run(demo, rid, [*TO_RECOMMENDATION, ("pyb", "decide")])
    payload = await upsert(demo, TARGET, quota=before - 1)
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["quota"])
    message = payload["errors"][0]["message"]
    assert f"quota {before - 1} for {TARGET} is below the {before} seat(s) taken" in message
    assert "1 decided request(s) waiting to take effect" in message
    assert (await upsert(demo, TARGET, quota=before))["errors"] == []
