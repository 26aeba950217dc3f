"""A mutation's payload reaches people too (``RequestPayload.request.subject``, ``EmployeePayload.employee``):
it answers through the same file rule as a query, so proposing or acting is no side door to a file.

The generated walk (test_read_rule_walk.py) covers the query paths; these are the payload paths, as the demo
personas take them.
"""

from __future__ import annotations

from typing import Any

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi
from tests.security.readrule_helpers import CARD_VIEW, answer

PROPOSE_TRANSFER = """mutation($input: ProposeTransferInput!) { proposeTransfer(input: $input) {
  request { id subject { %s } } errors { code message } } }"""
ACT = """mutation($input: ActInput!) { act(input: $input) {
  request { id state subject { %s } } errors { code message } } }"""


async def _propose_as_target_head(demo: DemoApi, selection: str) -> dict[str, Any]:
    body = await answer(
        demo,
        "target_head",
        PROPOSE_TRANSFER % selection,
        input={
            "employeeNip": demo.uid("employee"),
            "targetPositionCode": TRANSFER_TARGET_POSITION,
            "effectiveDate": TMT.isoformat(),
            "reason": "rotation",
        },
    )
    return body


async def test_the_target_head_proposing_a_transfer_gets_the_subjects_card_in_the_payload(demo: DemoApi) -> None:
    body = await _propose_as_target_head(demo, CARD_VIEW)
    payload = body["data"]["proposeTransfer"]
    assert payload["errors"] == []
    subject = payload["request"]["subject"]
    assert subject["nip"] == demo.uid("employee") and subject["access"] == "CARD"
    assert subject["assignments"] == [] and subject["evaluations"] == [] and subject["rankHistory"] == []


async def test_asking_the_payload_for_a_cards_file_fields_is_refused_by_name(demo: DemoApi) -> None:
    body = await _propose_as_target_head(demo, "nip birthDate")
    messages = " ".join(e["message"] for e in body.get("errors", []))
    assert "birthDate" in messages, body
    request = (body["data"] or {}).get("proposeTransfer") or {}
    assert not (request.get("request") or {}).get("subject"), "no file value reached the proposer"


async def test_the_origin_head_acting_reads_the_file_of_their_own_staff_in_the_payload(demo: DemoApi) -> None:
    proposed = (await _propose_as_target_head(demo, "nip"))["data"]["proposeTransfer"]["request"]["id"]
    body = await answer(
        demo, "unit_head", ACT % f"{CARD_VIEW} birthDate", input={"requestId": proposed, "action": "release"}
    )
    payload = body["data"]["act"]
    assert payload["errors"] == [] and payload["request"]["state"] == "accepted"  # the proposal implied accept
    subject = payload["request"]["subject"]
    assert subject["access"] == "FILE" and subject["birthDate"] and subject["assignments"]
