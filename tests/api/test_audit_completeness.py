"""The audit trail is complete: after a morning of work through the API, every state change and every effect of
every request has its event, replaying the events rebuilds each request's states, and the hash chain holds."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    AUDIT_VERIFICATION,
    TMT,
    DemoApi,
    act,
    audit_events,
    codes,
    drive,
    history,
    proposed,
    request,
    steps_of,
    transitions,
    update_employee,
)
from tests.api.talent_helpers import assess
from workflows import catalog
from workflows.cli import tick
from workflows.definition import ActionDef, Definition
from workflows.effects import EFFECTS


def effect_events() -> dict[str, str]:
    """What each named effect writes to the audit log, as it declared where it is registered
    (``@effect(name, audits=...)``); the plugins register theirs when the catalogue loads."""
    catalog.all_definitions()
    return {name: registered.audits for name, registered in EFFECTS.items()}


@dataclass
class Observed:
    """The states each request was seen in through the API, in order, as the work went on."""

    states: dict[str, list[str]] = field(default_factory=dict)

    def saw(self, request_id: str, state: str) -> None:
        seen = self.states.setdefault(request_id, [])
        if not seen or seen[-1] != state:
            seen.append(state)


async def step(api: DemoApi, seen: Observed, rid: str, persona: str, action: str, **kw: Any) -> None:
    seen.saw(rid, (await drive(api, rid, persona, action, **kw))["state"])


async def start(api: DemoApi, seen: Observed, persona: str, mutation: str, **values: Any) -> str:
    rid = await proposed(api, persona, mutation, **values)
    found = await request(api, "auditor", rid)
    assert found is not None
    seen.saw(rid, found["state"])
    return rid


async def a_morning_of_work(api: DemoApi) -> Observed:
    """Six requests through the API: effects, a return, a BTS, an objection, a withdrawal and refusals."""
    seen = Observed()
    employee, unit_hr = api.uid("employee"), api.uid("unit_hr")
    await update_employee(api.db, employee, has_service_exam=True)
    await assess(api, employee, "high")  # into the talent pool: box 7 with the seeded Baik of 2025

    promotion = await start(
        api,
        seen,
        "unit_head",
        "proposePositionPromotion",
        employeeNip=employee,
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
        talentBox=7,
    )
    seen.saw(
        promotion, (await act(api, "unit_head", promotion, "withdraw", comment="placement instead"))["request"]["state"]
    )

    placement = await start(
        api,
        seen,
        "bkd_official",
        "proposePlacement",
        employeeNip=unit_hr,
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
    )
    assert codes(await act(api, "board_member", placement, "verify")) == ["FORBIDDEN"]
    await step(api, seen, placement, "bkd_verifier", "verify")
    await step(api, seen, placement, "board_member", "return", comment="attach the job analysis")
    for persona, action in [
        ("bkd_official", "propose"),
        ("bkd_verifier", "verify"),
        ("board_member", "recommend"),
        ("pyb", "decide"),
    ]:
        await step(api, seen, placement, persona, action)
    await step(api, seen, placement, "bkd_official", "issue_decree", data={"decreeNo": "SK-PLC-9/2026"})

    transfer = await start(
        api,
        seen,
        "unit_head",
        "proposeTransfer",
        employeeNip=employee,
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    for persona, action in [
        ("target_head", "accept"),
        ("bkd_verifier", "verify"),
        ("board_member_2", "recommend"),
        ("ppk", "decide"),
    ]:
        await step(api, seen, transfer, persona, action)
    await step(api, seen, transfer, "bkd_official", "issue_decree", data={"decreeNo": "SK-MUT-9/2026"})

    rank = await start(api, seen, "unit_hr", "proposeRankPromotion", employeeNip=employee, effectiveDate=TMT)
    to_bkn = [("unit_hr", "prepare_documents"), ("bkd_verifier", "verify"), ("bkd_official", "submit_bkn")]
    for persona, action in to_bkn:
        await step(api, seen, rank, persona, action)
    await step(api, seen, rank, "bkd_official", "record_bkn_answer", data={"answer": "BTS"}, comment="SK copy unsigned")
    for persona, action in [("unit_hr", "propose"), *to_bkn]:
        await step(api, seen, rank, persona, action)
    await step(api, seen, rank, "bkd_official", "record_bkn_answer", data={"answer": "MS"})
    await step(api, seen, rank, "bkd_official", "issue_decree", data={"decreeNo": "KP-9/2026"})

    evaluation = await start(api, seen, "unit_head", "startEvaluation", employeeNip=employee, year=2026)
    for persona, action, data in [
        ("employee", "draft_plan", None),
        ("unit_head", "set_plan", None),
        ("unit_head", "rate", {"resultRating": "as", "behaviourRating": "below"}),
        ("unit_head", "deliver", None),
    ]:
        await step(api, seen, evaluation, persona, action, data=data)
    await step(api, seen, evaluation, "employee", "object", comment="behaviour evidence ignored")
    await step(
        api,
        seen,
        evaluation,
        "superior",
        "decide_objection",
        comment="upheld",
        data={"resultRating": "as", "behaviourRating": "as"},
    )

    training = await start(
        api,
        seen,
        "employee",
        "proposeTraining",
        employeeNip=employee,
        title="Data literacy",
        hours=10,
        date=dt.date(2026, 11, 21),
    )
    await step(api, seen, training, "unit_head", "approve")
    await step(api, seen, training, "employee", "record_attendance")
    assert codes(await act(api, "employee", training, "claim", data={"hours": -3, "certificate": "C"})) == [
        "VALIDATION"
    ]
    await step(api, seen, training, "employee", "claim", data={"hours": 10, "certificate": "DL-1"})
    await step(api, seen, training, "bkd_verifier", "return", comment="stamp missing")
    await step(api, seen, training, "employee", "claim", data={"hours": 10, "certificate": "DL-1b"})
    await step(api, seen, training, "bkd_verifier", "verify")

    assert await tick(api.db, today=TMT) == 3  # placement, transfer, rank promotion
    assert await tick(api.db, today=TMT) == 0
    for rid in (placement, transfer, rank):
        seen.saw(rid, "effective")
    return seen


@pytest.fixture
async def worked(demo: DemoApi) -> tuple[DemoApi, Observed]:
    return demo, await a_morning_of_work(demo)


def definition_of(found: dict[str, Any]) -> Definition:
    return catalog.by_version(found["definitionVersion"])


def action_for(definition: Definition, event: dict[str, Any]) -> ActionDef:
    name = event["action"].removeprefix("request.")
    matches = [
        a
        for a in definition.actions
        if a.name == name and event["fromState"] in a.sources and a.dest == event["toState"]
    ]
    assert len(matches) == 1, f"{event['action']} {event['fromState']}->{event['toState']} is no transition"
    return matches[0]


def test_every_effect_of_the_engine_has_a_named_audit_event() -> None:
    declared = effect_events()
    named = {name for d in catalog.all_definitions() for action in d.actions for name in action.effects}
    assert named <= set(declared), "a definition names an effect nobody registered"
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", event) for event in declared.values()), declared


async def test_every_state_change_of_every_request_has_its_event_and_the_events_replay_to_the_current_state(
    worked: tuple[DemoApi, Observed],
) -> None:
    api, seen = worked
    assert len(seen.states) == 6
    for rid, observed in seen.states.items():
        found = await request(api, "auditor", rid)
        assert found is not None
        trail = await history(api, rid)
        assert [e["seq"] for e in trail] == [e["seq"] for e in await audit_events(api, requestId=rid)]
        assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail), "history is oldest first"

        steps = steps_of(trail)
        definition = definition_of(found)
        first = steps[0]
        assert (first["action"], first["fromState"], first["toState"]) == (
            f"request.{definition.proposal.action}",
            None,
            definition.initial,
        )
        replayed = [first["toState"]]
        for event in steps[1:]:
            assert event["fromState"] == replayed[-1], f"request {rid}: a state change without its event"
            action_for(definition, event)
            replayed.append(event["toState"])
        assert replayed[-1] == found["state"]
        assert len(steps) == found["version"], "one event for the proposal and one for each version since"
        assert _is_subsequence(observed, replayed), (rid, observed, replayed)


async def test_every_effect_has_its_event_right_after_the_step_that_caused_it(
    worked: tuple[DemoApi, Observed],
) -> None:
    api, seen = worked
    declared = effect_events()
    effect_events_seen = 0
    for rid in seen.states:
        found = await request(api, "auditor", rid)
        assert found is not None
        definition = definition_of(found)
        trail = await history(api, rid)
        position = 0
        while position < len(trail):
            event = trail[position]
            position += 1
            if event["action"] == "request.refused":
                assert event["fromState"] == event["toState"], "a refusal changes nothing"
                continue
            assert event["action"].startswith("request."), f"{event['action']} follows no step"
            if event["fromState"] is None:
                continue
            expected = [declared[name] for name in action_for(definition, event).effects]
            following = [e["action"] for e in trail[position : position + len(expected)]]
            assert following == expected, (rid, event["action"], following)
            for effect in trail[position : position + len(expected)]:
                assert (effect["fromState"], effect["toState"]) == (event["fromState"], event["toState"])
            position += len(expected)
            effect_events_seen += len(expected)
    # placement + transfer: closed + opened each; rank: changed; evaluation: rated twice, delivered, finalised;
    # training: recorded.
    assert effect_events_seen == 2 + 2 + 1 + 4 + 1


async def test_effect_events_carry_what_changed(worked: tuple[DemoApi, Observed]) -> None:
    api, _ = worked
    employee = api.uid("employee")
    opened = await audit_events(api, action="assignment.opened")
    assert sorted(e["after"]["position"] for e in opened) == ["KEL-GAMBIR-01-PLK2", TRANSFER_TARGET_POSITION]
    assert {e["after"]["start_date"] for e in opened} == {TMT.isoformat()}
    closed = await audit_events(api, action="assignment.closed")
    assert {e["after"]["end_date"] for e in closed} == {(TMT - dt.timedelta(days=1)).isoformat()}
    [rank] = await audit_events(api, action="rank.changed")
    assert (rank["entityId"], rank["before"]["rank_code"], rank["after"]["rank_code"]) == (employee, "II/d", "III/a")
    [final] = await audit_events(api, action="evaluation.finalised")
    assert (final["entityId"], final["after"]["year"], final["after"]["predicate"]) == (employee, 2026, "Baik")
    [training] = await audit_events(api, action="training.recorded")
    assert training["after"]["hours"] == 10


async def test_each_refusal_is_in_the_trail_without_changing_the_state(worked: tuple[DemoApi, Observed]) -> None:
    api, _ = worked
    refused = await audit_events(api, action="request.refused")
    assert sorted((e["after"]["action"], e["after"]["code"]) for e in refused) == [("verify", "FORBIDDEN")]
    assert all(e["fromState"] == e["toState"] for e in refused)


async def test_the_hash_chain_verifies_over_every_event(worked: tuple[DemoApi, Observed]) -> None:
    api, _ = worked
    verification = (await api.ask("auditor", AUDIT_VERIFICATION))["auditVerification"]
    assert verification["ok"] is True, verification
    assert verification["firstBrokenSeq"] is None
    assert verification["checkedEvents"] == len(await audit_events(api))


async def test_the_audit_log_is_for_auditors_only(worked: tuple[DemoApi, Observed]) -> None:
    api, _ = worked
    response = await api.post(AUDIT_VERIFICATION, as_user=api.uid("bkd_official"))
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_transitions_reads_the_step_events_in_order() -> None:
    events = [
        {"action": "request.propose", "fromState": None, "toState": "proposed"},
        {"action": "request.refused", "fromState": "proposed", "toState": "proposed"},
        {"action": "request.verify", "fromState": "proposed", "toState": "verified"},
        {"action": "assignment.opened", "fromState": "proposed", "toState": "verified"},
    ]
    assert transitions(events) == [(None, "proposed"), ("proposed", "verified")]


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(item == candidate for candidate in remaining) for item in short)
