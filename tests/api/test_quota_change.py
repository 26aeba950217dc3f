"""A change of a position's approved headcount (formasi) through the API, as the demo personas: the unit head
proposes it from the position's workload analysis (ABK) -> a BKD verifier verifies it against the ABK -> the
PyB approves it -> on its effective date (the 1st of a month) the tick records the new quota; the quota in
force before stays for as-of reads.

The request is about a position (``subjectPosition``); its ``subject`` is the proposing official. Who may
propose: the head of the position's unit or of a unit above, and BKD; another unit's head is told what an
unknown position code tells, an employee likewise, an account without an employee record why. Rules: one
unfinished quota change per position, the 1st of a month, not below the holders, not above the ABK's needed
staff rounded up (``formasi.quota_change``, PermenPANRB 1/2020)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from server.seed import EMPLOYEE_POSITION
from tests.api.helpers import (
    REQUESTS,
    DemoApi,
    act,
    audit_events,
    codes,
    fields,
    grant_role,
    history,
    position,
    propose,
    proposed,
    state_of,
    task_for,
)
from tests.api.test_workforce_needs import needs, set_workload
from workflows.cli import tick

NEW_YEAR = dt.date(2027, 1, 1)
# 10,500 outputs a year at half an hour: 5,250 hours / 1,250 = 4.2 people, at most 5 approved (rounded up)
WORKLOAD = [{"task": "Melayani permohonan masyarakat", "annualVolume": 10500, "normHours": 0.5}]
CEILING = 5
QUOTA_REQUEST = """query($id: ID!) { request(id: $id) {
  kind state effectiveDate subject { nip } subjectPosition { code quota } requestedQuota position { code }
} }"""


async def with_workload(api: DemoApi) -> dict[str, Any]:
    assert (await set_workload(api, "unit_hr", EMPLOYEE_POSITION, WORKLOAD))["errors"] == []
    held = await position(api, EMPLOYEE_POSITION)
    assert held["quota"] != CEILING and len(held["holders"]) <= CEILING
    return held


async def propose_quota(api: DemoApi, persona: str, quota: int, day: dt.date = NEW_YEAR) -> dict[str, Any]:
    return await propose(
        api,
        persona,
        "proposeQuotaChange",
        positionCode=EMPLOYEE_POSITION,
        quota=quota,
        effectiveDate=day,
        reason="ABK 2026: pelayanan bertambah",
    )


async def test_a_quota_change_is_proposed_verified_approved_and_in_force_from_1_january(demo: DemoApi) -> None:
    held = await with_workload(demo)
    old = held["quota"]
    rid = await proposed(
        demo,
        "unit_head",
        "proposeQuotaChange",
        positionCode=EMPLOYEE_POSITION,
        quota=CEILING,
        effectiveDate=NEW_YEAR,
        reason="ABK 2026",
    )
    shown = (await demo.ask("auditor", QUOTA_REQUEST, id=rid))["request"]
    assert shown["kind"] == "QUOTA_CHANGE" and shown["state"] == "proposed"
    assert shown["subjectPosition"] == {"code": EMPLOYEE_POSITION, "quota": old}
    assert (shown["subject"]["nip"], shown["requestedQuota"], shown["position"]) == (demo.uid("unit_head"), 5, None)
    for persona in ("unit_head", "superior", "bkd_verifier", "pyb", "auditor"):
        listed = await demo.ask(persona, REQUESTS, filter={"kind": "QUOTA_CHANGE"})
        assert [e["node"]["id"] for e in listed["requests"]["edges"]] == [rid], persona
    for persona in ("target_head", "employee"):
        listed = await demo.ask(persona, REQUESTS, filter={"kind": "QUOTA_CHANGE"})
        assert listed["requests"]["totalCount"] == 0, persona

    assert (await task_for(demo, "bkd_verifier", rid))["step"] == "proposed"
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []
    assert (await act(demo, "pyb", rid, "approve"))["errors"] == []
    assert await state_of(demo, rid) == "approved"
    assert await tick(demo.db, today=dt.date(2026, 12, 31)) == 0
    assert (await position(demo, EMPLOYEE_POSITION))["quota"] == old
    assert await tick(demo.db, today=NEW_YEAR) == 1

    assert await state_of(demo, rid) == "effective"
    assert (await position(demo, EMPLOYEE_POSITION))["quota"] == CEILING
    before = await needs(demo, "bkd_verifier", "KEL-GAMBIR-01", sub=False, as_of=dt.date(2026, 12, 31))
    after = await needs(demo, "bkd_verifier", "KEL-GAMBIR-01", sub=False, as_of=NEW_YEAR)
    assert (before[EMPLOYEE_POSITION]["approvedQuota"], after[EMPLOYEE_POSITION]["approvedQuota"]) == (old, CEILING)
    trail = await history(demo, rid)
    assert [e["action"] for e in trail if e["action"].startswith("request.")] == [
        "request.propose",
        "request.verify",
        "request.approve",
        "request.take_effect",
    ]
    changed = [e for e in trail if e["action"] == "position.quota_changed"]
    assert [(e["entityId"], e["before"], e["after"]["quota"]) for e in changed] == [
        (EMPLOYEE_POSITION, {"quota": old}, CEILING)
    ]


async def test_who_may_propose_a_quota_change(demo: DemoApi) -> None:
    await with_workload(demo)
    other = await propose_quota(demo, "target_head", CEILING)  # another unit's head: as if no such position
    unknown = await propose(
        demo, "target_head", "proposeQuotaChange", positionCode="NO-SUCH-01", quota=1, effectiveDate=NEW_YEAR
    )
    assert (codes(other), fields(other)) == (["NOT_FOUND"], ["positionCode"])
    assert other["errors"][0]["message"].replace(EMPLOYEE_POSITION, "NO-SUCH-01") == unknown["errors"][0]["message"]
    employee = await propose_quota(demo, "employee", CEILING)
    assert (codes(employee), employee["request"]) == (["NOT_FOUND"], None)
    await grant_role(demo, "ppk", "bkd_official")  # an account without an employee record
    nobody = await propose_quota(demo, "ppk", CEILING)
    assert codes(nobody) == ["FORBIDDEN"] and "no employee record" in nobody["errors"][0]["message"]
    refusals = await audit_events(demo, entityType="position", entityId=EMPLOYEE_POSITION, action="request.refused")
    assert [(e["actor"], e["after"].get("reason")) for e in refusals] == [
        (demo.uid("target_head"), "outside the proposer's scope"),  # only the audit log tells which it was
        (demo.uid("employee"), "outside the proposer's scope"),
        (demo.uid("ppk"), None),
    ]
    assert (await propose_quota(demo, "superior", CEILING))["errors"] == []  # the head of a unit above


async def test_the_proposer_does_not_verify_their_own_proposal(demo: DemoApi) -> None:
    await with_workload(demo)
    rid = await proposed(
        demo,
        "bkd_official",
        "proposeQuotaChange",
        positionCode=EMPLOYEE_POSITION,
        quota=CEILING,
        effectiveDate=NEW_YEAR,
    )
    await grant_role(demo, "bkd_official", "bkd_verifier")
    refused = await act(demo, "bkd_official", rid, "verify")
    assert codes(refused) == ["FORBIDDEN"] and "proposer does not approve" in refused["errors"][0]["message"]
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []


async def test_the_quota_holds_the_holders_and_rests_on_the_workload_analysis(demo: DemoApi) -> None:
    held = await with_workload(demo)
    below = await propose_quota(demo, "unit_head", len(held["holders"]) - 1)
    assert (codes(below), fields(below)) == (["GUARD_FAILED"], ["quota_not_below_holders"])
    negative = await propose_quota(demo, "unit_head", -1)
    assert (codes(negative), fields(negative)) == (["VALIDATION"], ["quota"])
    same = await propose_quota(demo, "unit_head", held["quota"])
    assert (codes(same), fields(same)) == (["VALIDATION"], ["quota"])
    rid = await proposed(
        demo,
        "unit_head",
        "proposeQuotaChange",
        positionCode=EMPLOYEE_POSITION,
        quota=CEILING + 1,
        effectiveDate=NEW_YEAR,
    )
    above = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(above), fields(above)) == (["GUARD_FAILED"], ["quota_within_workload"])
    message = above["errors"][0]["message"]
    assert "needs 4.2 staff" in message and "at most 5 approved" in message and "formasi.quota_change/2020" in message


async def test_one_unfinished_quota_change_per_position_from_the_first_of_a_month(demo: DemoApi) -> None:
    await with_workload(demo)
    mid_month = await propose_quota(demo, "unit_head", CEILING, dt.date(2027, 1, 15))
    assert (codes(mid_month), fields(mid_month)) == (["GUARD_FAILED"], ["quota_from_first_of_month"])
    past = await propose_quota(demo, "unit_head", CEILING, dt.date(2026, 11, 1))
    assert (codes(past), fields(past)) == (["VALIDATION"], ["effectiveDate"])
    first = await proposed(
        demo, "unit_head", "proposeQuotaChange", positionCode=EMPLOYEE_POSITION, quota=CEILING, effectiveDate=NEW_YEAR
    )
    again = await propose_quota(demo, "bkd_official", CEILING - 1, dt.date(2027, 2, 1))
    assert (codes(again), fields(again)) == (["VALIDATION"], ["positionCode"])
    assert "unfinished quota change" in again["errors"][0]["message"]
    assert (await act(demo, "unit_head", first, "withdraw"))["errors"] == []
    assert (await propose_quota(demo, "bkd_official", CEILING - 1, dt.date(2027, 2, 1)))["errors"] == []


async def test_ten_concurrent_quota_changes_of_one_position_open_one_request(demo: DemoApi) -> None:
    await with_workload(demo)
    results = await asyncio.gather(*(propose_quota(demo, "unit_head", CEILING) for _ in range(10)))
    outcomes = sorted(",".join(codes(r)) or "ok" for r in results)
    listed = await demo.ask("auditor", REQUESTS, filter={"kind": "QUOTA_CHANGE"})
    assert (outcomes, listed["requests"]["totalCount"]) == (["VALIDATION"] * 9 + ["ok"], 1)
