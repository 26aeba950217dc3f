"""A person's file is read only under the read rule; reached any other way a person is a card.

The rule (policies/read.py): the person, readers whose scope covers the person's unit on the service's
today, province-wide readers, and an approver while they hold an open task about the person. Each test
reproduces a way round it that worked before round 2 and shows only the card comes back: NIP, name,
rank, the position that led there; the file's lists empty and its non-null fields refused by name.
"""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, act, drive, proposed
from tests.security.readrule_helpers import (
    CARD_VIEW,
    FILE_FIELDS,
    add_future_holding,
    answer,
    forbidden_fields,
    former_holder,
    outsider,
)

HOLDERS = """query($code: String!, $on: Date) { position(code: $code) { holders(asOf: $on) {
  %s position(asOf: $on) { code } today: position { code }
} } }"""
SUBJECT = "query($id: ID!) { request(id: $id) { id state subject { %s } } }"
TASK_SUBJECTS = "{ myTasks(first: 100) { edges { node { request { id subject { %s } } } } } }"


def _holder(body: dict, nip: str) -> dict:  # type: ignore[type-arg]
    return next(h for h in body["data"]["position"]["holders"] if h["nip"] == nip)


async def _reads_as_card_only(api: DemoApi, persona: str, nip: str, on: str) -> None:
    card = _holder(await answer(api, persona, HOLDERS % CARD_VIEW, code=EMPLOYEE_POSITION, on=on), nip)
    assert card["access"] == "CARD"
    assert card["assignments"] == [] and card["evaluations"] == [] and card["rankHistory"] == []
    assert card["rankSince"] is None
    assert card["position"] == {"code": EMPLOYEE_POSITION}, "the card names the position that led there"
    assert card["today"] is None, "where the person sits on another day is their file"
    refused = await answer(api, persona, HOLDERS % f"nip {FILE_FIELDS}", code=EMPLOYEE_POSITION, on=on)
    assert refused["data"]["position"] is None
    assert forbidden_fields(refused) >= {"birthDate"}
    assert nip not in str(refused["data"])


async def test_a_unit_head_reads_a_former_holder_of_their_post_only_as_a_card(demo: DemoApi) -> None:
    stranger = await former_holder(
        demo.db, EMPLOYEE_POSITION, dt.date(2016, 1, 1), demo.today, not_under="KEL-GAMBIR-01"
    )
    await _reads_as_card_only(demo, "unit_head", stranger, "2016-01-01")
    auditor = _holder(
        await answer(demo, "auditor", HOLDERS % CARD_VIEW, code=EMPLOYEE_POSITION, on="2016-01-01"), stranger
    )
    assert auditor["access"] == "FILE" and auditor["assignments"], "a province-wide reader gets the file"


async def test_a_unit_head_reads_a_future_holder_of_their_post_only_as_a_card(demo: DemoApi) -> None:
    stranger = await outsider(demo.db, "KEL-GAMBIR-02")
    await add_future_holding(demo.db, stranger, EMPLOYEE_POSITION, dt.date(2027, 6, 1))
    await _reads_as_card_only(demo, "unit_head", stranger, "2027-06-01")


async def test_todays_holders_in_the_heads_own_unit_come_with_their_file(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    mine = _holder(await answer(demo, "unit_head", HOLDERS % f"{CARD_VIEW} {FILE_FIELDS}", code=EMPLOYEE_POSITION), nip)
    assert mine["access"] == "FILE" and mine["birthDate"] and mine["assignments"]


async def test_a_withdrawn_proposal_does_not_keep_the_subjects_file_open(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    rid = await proposed(
        demo,
        "target_head",
        "proposeTransfer",
        employeeNip=nip,
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (await act(demo, "target_head", rid, "withdraw", comment="changed my mind"))["errors"] == []
    body = await answer(demo, "target_head", SUBJECT % CARD_VIEW, id=rid)
    subject = body["data"]["request"]["subject"]
    assert body["data"]["request"]["state"] == "withdrawn", "the proposer still reads their own request"
    assert subject["nip"] == nip and subject["access"] == "CARD"
    assert subject["assignments"] == [] and subject["evaluations"] == [] and subject["rankHistory"] == []
    refused = await answer(demo, "target_head", SUBJECT % f"nip {FILE_FIELDS}", id=rid)
    assert refused["data"]["request"] is None and "birthDate" in forbidden_fields(refused)


async def test_an_approver_reads_the_file_while_the_task_is_open_and_not_after(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=nip,
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    before = await answer(demo, "target_head", SUBJECT % "access", id=rid)
    assert before["data"]["request"]["subject"]["access"] == "CARD", "no task yet: the origin head releases first"
    await drive(demo, rid, "unit_head", "release")
    holding = await answer(demo, "target_head", TASK_SUBJECTS % f"access {FILE_FIELDS}")
    subjects = [
        e["node"]["request"]["subject"]
        for e in holding["data"]["myTasks"]["edges"]
        if e["node"]["request"]["id"] == rid
    ]
    assert subjects and subjects[0]["access"] == "FILE" and subjects[0]["birthDate"]
    await drive(demo, rid, "target_head", "accept")
    after = await answer(demo, "target_head", SUBJECT % CARD_VIEW, id=rid)
    assert after["data"]["request"]["subject"]["access"] == "CARD", "the file closes with the task"


async def test_an_employee_reads_no_colleagues_file_through_positions_requests_or_tasks(demo: DemoApi) -> None:
    colleague = await outsider(demo.db, "KEL-GAMBIR-01", besides={demo.uid("employee")})
    rid = await proposed(demo, "bkd_official", "proposeRankPromotion", employeeNip=colleague, effectiveDate=TMT)
    me = demo.uid("employee")
    holders = await answer(demo, "employee", HOLDERS % "nip", code=EMPLOYEE_POSITION)
    assert holders["data"]["position"]["holders"] == [], "an employee reads no registry beyond themself"
    assert (await answer(demo, "employee", SUBJECT % "nip", id=rid))["data"]["request"] is None
    tasks = await answer(demo, "employee", TASK_SUBJECTS % "nip")
    assert {e["node"]["request"]["subject"]["nip"] for e in tasks["data"]["myTasks"]["edges"]} <= {me}
    own = await answer(demo, "employee", "{ viewer { employee { nip access birthDate assignments { startDate } } } }")
    assert own["data"]["viewer"]["employee"]["access"] == "FILE", "the person reads their own file"


async def test_an_unknown_or_unreadable_nip_reads_as_nobody_not_as_a_card(demo: DemoApi) -> None:
    stranger = await outsider(demo.db, "KEL-GAMBIR-02")
    query = "query($nip: String!) { employee(nip: $nip) { nip name access } }"
    assert (await answer(demo, "unit_head", query, nip=stranger))["data"]["employee"] is None
    assert (await answer(demo, "target_head", query, nip=stranger))["data"]["employee"]["access"] == "FILE"


async def test_asking_only_access_still_gets_the_rules_answer(demo: DemoApi) -> None:
    """Found by the fuzz test: a selection of ``access`` alone must still be decided, not defaulted."""
    nip = demo.uid("employee")
    body = await answer(demo, "unit_head", HOLDERS % "nip access", code=EMPLOYEE_POSITION)
    assert _holder(body, nip)["access"] == "FILE"
    stranger = await former_holder(
        demo.db, EMPLOYEE_POSITION, dt.date(2016, 1, 1), demo.today, not_under="KEL-GAMBIR-01"
    )
    past = await answer(demo, "unit_head", HOLDERS % "nip access", code=EMPLOYEE_POSITION, on="2016-01-01")
    assert _holder(past, stranger)["access"] == "CARD"


async def test_the_trail_of_a_request_about_a_card_carries_no_file_values(demo: DemoApi) -> None:
    """Audit before/after of a request (guard warnings, ratings, assignments) are the subject's file too."""
    nip = demo.uid("employee")
    rid = await proposed(
        demo,
        "target_head",
        "proposeTransfer",
        employeeNip=nip,
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    trail = "query($id: ID!) { request(id: $id) { history { action actor before after } } }"
    mine = (await answer(demo, "target_head", trail, id=rid))["data"]["request"]["history"]
    assert mine and all(e["before"] is None and e["after"] is None for e in mine)
    assert [e["action"] for e in mine] == ["request.submit"], "who did what stays readable"
    audited = (await answer(demo, "auditor", trail, id=rid))["data"]["request"]["history"]
    assert audited[0]["after"]["subject"] == nip, "a reader of the file reads the values"
