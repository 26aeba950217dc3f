"""Every refusal is audited, and no caller can make the audit log grow without bound.

Probing a NIP through a proposal, a request id through ``act``, acting with no right to, and sending
mutations without a token all leave an event saying who tried what (and, for auditors only, whether the
thing asked about exists). Refusals a caller can repeat at will pass a flood gate: a few events per caller,
action and code a minute, and the next event written carries how many were not (``after.repeats``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.audit.flood import gate_for
from server.commands import ANONYMOUS_BURST, SIGNED_IN_BURST
from tests.api.helpers import TMT, DemoApi, act, audit_events, codes, drive, move_current_post_start, proposed
from tests.security.authfirst_helpers import (
    NO_SUCH_NIP,
    NO_SUCH_REQUEST,
    VACANT_IN_OWN_UNIT,
    act_raw,
    propose_about,
)

REGISTER = """mutation($input: RegisterEmployeeInput!) { registerEmployee(input: $input) {
  errors { code message field } } }"""


class Clock:
    """The flood gate's clock, moved by hand: the tests prove the mechanism, not the machine's speed."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def frozen_gate(api: DemoApi) -> Clock:
    clock = Clock()
    gate_for(api.db).clock = clock
    return clock


async def placement(api: DemoApi) -> str:
    return await proposed(
        api,
        "unit_head",
        "proposePlacement",
        employeeNip=api.uid("employee"),
        positionCode=VACANT_IN_OWN_UNIT,
        effectiveDate=TMT,
    )


def summary(event: dict[str, Any]) -> tuple[Any, ...]:
    return (event["actor"], event["entityType"], event["entityId"], event["after"]["code"], event["after"]["reason"])


async def test_probing_nips_through_proposals_is_audited_and_auditors_see_which_existed(demo: DemoApi) -> None:
    employee, colleague = demo.uid("employee"), demo.uid("bkd_verifier")
    await propose_about(demo, "employee", "proposeTransfer", colleague)
    await propose_about(demo, "employee", "proposeTransfer", NO_SUCH_NIP)
    events = await audit_events(demo, actor=employee, action="request.refused")
    assert [summary(e) for e in events] == [
        (employee, "employee", colleague, "NOT_FOUND", "outside the proposer's scope"),
        (employee, "employee", NO_SUCH_NIP, "NOT_FOUND", "no employee has this NIP"),
    ]
    assert all(e["after"]["action"] == "propose" and e["after"]["kind"] == "TRANSFER" for e in events)


async def test_probing_request_ids_through_act_is_audited(demo: DemoApi) -> None:
    rid = await placement(demo)
    head = demo.uid("target_head")
    await act_raw(demo, "target_head", rid, "verify")
    await act_raw(demo, "target_head", NO_SUCH_REQUEST, "withdraw")
    events = await audit_events(demo, actor=head, action="request.refused")
    assert [summary(e) for e in events] == [
        (head, "request", rid, "NOT_FOUND", "outside the viewer's scope"),
        (head, "request", NO_SUCH_REQUEST, "NOT_FOUND", "no such request"),
    ]
    assert [e["after"]["action"] for e in events] == ["verify", "withdraw"]


async def test_acting_with_no_right_is_audited_on_the_request_whatever_its_state(demo: DemoApi) -> None:
    rid = await placement(demo)
    await drive(demo, rid, "bkd_verifier", "verify")
    refused = await act(demo, "auditor", rid, "verify", expectedVersion=1)  # stale, and long done: still FORBIDDEN
    assert codes(refused) == ["FORBIDDEN"]
    events = await audit_events(demo, actor=demo.uid("auditor"), action="request.refused")
    assert [(e["requestId"], e["after"]["action"], e["after"]["code"]) for e in events] == [
        (rid, "verify", "FORBIDDEN")
    ]


async def test_a_declaration_outside_scope_is_audited(demo: DemoApi) -> None:
    declare = """mutation($input: DeclareFamilyRelationInput!) { declareFamilyRelation(input: $input) {
      errors { code } } }"""
    values = {"employeeNip": demo.uid("employee"), "relativeNip": demo.uid("bkd_verifier"), "kind": "sibling"}
    await demo.ask("target_head", declare, input=values)
    [event] = await audit_events(demo, action="employee.relation.refused")
    assert (event["actor"], event["entityId"], event["after"]["reason"]) == (
        demo.uid("target_head"),
        demo.uid("employee"),
        "outside the declarer's scope",
    )


async def test_mutations_without_a_token_are_audited_once_a_minute_per_client_with_the_count(demo: DemoApi) -> None:
    clock = frozen_gate(demo)
    rid = await placement(demo)
    for _ in range(12):
        payload = await act_raw(demo, None, rid, "verify")
        assert codes(payload) == ["FORBIDDEN"]
    register = await demo.query(
        REGISTER,
        {
            "input": {
                "nip": NO_SUCH_NIP,
                "name": "X",
                "birthDate": "1990-01-01",
                "gender": "M",
                "employmentType": "PNS",
                "education": "S1",
            }
        },
    )
    assert codes(register["registerEmployee"]) == ["FORBIDDEN"]
    events = await audit_events(demo, actor="anonymous", action="command.refused")
    assert len(events) == ANONYMOUS_BURST == 1
    assert (events[0]["entityId"], events[0]["after"]["code"]) == ("act", "FORBIDDEN")
    assert events[0]["after"]["client"] == "127.0.0.1"

    clock.now += 60
    await act_raw(demo, None, rid, "withdraw")
    events = await audit_events(demo, actor="anonymous", action="command.refused")
    assert len(events) == 2
    assert events[1]["after"]["repeats"] == 12, "the 11 further acts and the registration were counted"


async def test_a_signed_in_prober_writes_a_few_events_a_minute_not_one_per_probe(demo: DemoApi) -> None:
    clock = frozen_gate(demo)
    employee = demo.uid("employee")
    probes = [f"19900101201501{n:04d}" for n in range(1000, 1030)]
    for nip in probes:
        assert codes(await propose_about(demo, "employee", "proposeRankPromotion", nip)) == ["NOT_FOUND"]
    written = await audit_events(demo, actor=employee, action="request.refused")
    assert [e["entityId"] for e in written] == probes[:SIGNED_IN_BURST]

    clock.now += 60
    await propose_about(demo, "employee", "proposeRankPromotion", NO_SUCH_NIP)
    written = await audit_events(demo, actor=employee, action="request.refused")
    assert len(written) == SIGNED_IN_BURST + 1
    assert written[-1]["after"]["repeats"] == len(probes) - SIGNED_IN_BURST


async def test_refusals_of_people_who_may_act_are_not_held_back(demo: DemoApi) -> None:
    """The gate is for refusals a caller without any right can repeat; a guard refusal is part of the work."""
    frozen_gate(demo)
    await move_current_post_start(demo.db, demo.uid("employee"), dt.date(2025, 6, 1))  # under 2 years in post
    tries = SIGNED_IN_BURST + 3
    for _ in range(tries):
        refused = await propose_about(demo, "employee", "proposeTransfer", demo.uid("employee"))
        assert codes(refused) == ["GUARD_FAILED"]
    events = await audit_events(demo, actor=demo.uid("employee"), action="request.refused")
    assert [e["after"]["code"] for e in events] == ["GUARD_FAILED"] * tries
