"""An audit event's values about a person are that person's file: null to whom the person is a card.

Found: a unit head who once acted on a request kept reading the subject's file through their own audit
trail (``auditEvents`` lists what they did, values included) and ``node(id)``, after the task closed
and the subject became a card to them. Now every way a non-auditor reaches an event (``auditEvents``,
``node(id)``, ``WorkflowRequest.history``) nulls ``before``/``after`` of an event about a person (an
``employee`` event, or an event of a request) unless ``readable_files`` opens the person's file;
auditors read everything. Decided per page (policies/audit_values.py), never per row.
"""

from __future__ import annotations

from typing import Any

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, drive, proposed
from tests.security.readrule_helpers import answer

OWN_TRAIL = """query($rid: ID) { auditEvents(first: 100, filter: {requestId: $rid}) {
  edges { node { nodeId seq action actor entityType before after } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on AuditEvent { seq action before after } } }"
SUBJECT = "query($id: ID!) { request(id: $id) { subject { access } history { seq actor before after } } }"


async def _accepted_transfer(demo: DemoApi) -> str:
    """A transfer of ``employee`` that ``target_head`` accepted: they acted on it, and the task is closed."""
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    await drive(demo, rid, "unit_head", "release")
    await drive(demo, rid, "target_head", "accept")
    return rid


def _events(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["auditEvents"]["edges"]]


async def test_a_unit_head_who_once_acted_reads_no_file_values_of_a_subject_now_a_card(demo: DemoApi) -> None:
    rid = await _accepted_transfer(demo)
    subject = await answer(demo, "target_head", SUBJECT, id=rid)
    assert subject["data"]["request"]["subject"]["access"] == "CARD", "the file closed with the task"

    audited = _events(await answer(demo, "auditor", OWN_TRAIL, rid=rid))
    theirs = [e for e in audited if e["actor"] == demo.uid("target_head")]
    assert theirs and any(e["before"] is not None or e["after"] is not None for e in theirs), (
        "the head's own events about the subject carry values (an auditor reads them)"
    )

    own = _events(await answer(demo, "target_head", OWN_TRAIL, rid=rid))
    assert {e["seq"] for e in own} >= {e["seq"] for e in theirs}, "the head still reads their own trail"
    assert all(e["before"] is None and e["after"] is None for e in own), "who did what and when, not the file"

    for event in theirs:
        node = (await answer(demo, "target_head", NODE, id=event["nodeId"]))["data"]["node"]
        assert node["seq"] == event["seq"] and node["before"] is None and node["after"] is None

    history = (await answer(demo, "target_head", SUBJECT, id=rid))["data"]["request"]["history"]
    assert history and all(e["before"] is None and e["after"] is None for e in history)


async def test_an_auditor_reads_every_value_of_the_same_trail(demo: DemoApi) -> None:
    rid = await _accepted_transfer(demo)
    audited = _events(await answer(demo, "auditor", OWN_TRAIL, rid=rid))
    with_values = [e for e in audited if e["before"] is not None or e["after"] is not None]
    assert with_values, "the trail has values, and the auditor reads them"
    node = (await answer(demo, "auditor", NODE, id=with_values[0]["nodeId"]))["data"]["node"]
    assert (node["before"], node["after"]) == (with_values[0]["before"], with_values[0]["after"])
    history = (await answer(demo, "auditor", SUBJECT, id=rid))["data"]["request"]["history"]
    assert any(e["after"] is not None for e in history)


async def test_the_subject_reads_the_values_of_their_own_trail(demo: DemoApi) -> None:
    rid = await _accepted_transfer(demo)
    own = _events(await answer(demo, "employee", OWN_TRAIL, rid=rid))
    assert any(e["after"] is not None for e in own), "the person reads their own file, trail included"
