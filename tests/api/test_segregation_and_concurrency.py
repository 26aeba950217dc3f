"""Segregation of duties, scope, versions, idempotency and races, as the personas meet them through the API."""

from __future__ import annotations

import asyncio

from tests.api.helpers import (
    EXPLAIN,
    MY_TASKS,
    REQUESTS,
    TMT,
    DemoApi,
    act,
    add_position,
    audit_events,
    codes,
    drive,
    fields,
    grant_role,
    has_task,
    history,
    option,
    propose,
    proposed,
    request,
    run,
    state_of,
)

TARGET = "KEL-GAMBIR-01-PLK2"


async def placement_of(api: DemoApi, subject: str = "employee", proposer: str = "unit_head") -> str:
    return await proposed(
        api, proposer, "proposePlacement", employeeNip=api.uid(subject), positionCode=TARGET, effectiveDate=TMT
    )


async def refusals(api: DemoApi, request_id: str) -> list[tuple[str, str, list[str]]]:
    """The audited refusals on a request: (actor, action tried, rules that refused)."""
    events = await audit_events(api, requestId=request_id, action="request.refused")
    return [(e["actor"], e["after"]["action"], e["after"]["rules"]) for e in events]


async def explain(api: DemoApi, persona: str, action: str, request_id: str) -> dict[str, object]:
    return (await api.ask(persona, EXPLAIN, action=action, id=request_id))["explain"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------ segregation of duties


async def test_nobody_acts_on_a_request_about_themselves(demo: DemoApi) -> None:
    # BKD proposes the BKD verifier herself for a post of her own unit: the one verifier may not verify her own case.
    await add_position(demo.db, "BKD-MUTASI-PLK9", unit_code="BKD-MUTASI", type="PELAKSANA", job_class=7, quota=1)
    rid = await proposed(
        demo,
        "bkd_official",
        "proposePlacement",
        employeeNip=demo.uid("bkd_verifier"),
        positionCode="BKD-MUTASI-PLK9",
        effectiveDate=TMT,
    )
    assert not await has_task(demo, "bkd_verifier", rid), "her own case is not in her inbox"
    own = await request(demo, "bkd_verifier", rid)
    assert own is not None and not option(own, "verify")["allowed"]
    assert "request is about you" in option(own, "verify")["reason"]

    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert codes(refused) == ["FORBIDDEN"]
    assert refused["errors"][0]["message"].endswith("(rule sod.own_case)")
    assert await state_of(demo, rid) == "proposed"
    assert await refusals(demo, rid) == [(demo.uid("bkd_verifier"), "verify", ["sod.own_case"])]


async def test_the_proposer_does_not_approve_their_own_proposal(demo: DemoApi) -> None:
    await grant_role(demo, "unit_head", "bkd_verifier", "KEL-GAMBIR-01")  # the Lurah also verifies for BKD
    rid = await placement_of(demo, proposer="unit_head")
    refused = await act(demo, "unit_head", rid, "verify")
    assert codes(refused) == ["FORBIDDEN"]
    assert "the proposer does not approve their own proposal" in refused["errors"][0]["message"]
    assert refused["errors"][0]["message"].endswith("(rule sod.proposer_approves)")
    assert await state_of(demo, rid) == "proposed"
    assert await refusals(demo, rid) == [(demo.uid("unit_head"), "verify", ["sod.proposer_approves"])]
    assert (await drive(demo, rid, "bkd_verifier", "verify"))["state"] == "verified"


async def test_one_person_does_not_take_two_approval_steps_of_one_request(demo: DemoApi) -> None:
    await grant_role(demo, "board_member", "pyb")  # a second grant: the board member may also decide as PyB
    rid = await placement_of(demo)
    await run(demo, rid, [("bkd_verifier", "verify"), ("board_member", "recommend")])

    listed = await request(demo, "board_member", rid)
    assert listed is not None and not option(listed, "decide")["allowed"]
    refused = await act(demo, "board_member", rid, "decide")
    assert codes(refused) == ["FORBIDDEN"]
    assert "you already took the recommend step" in refused["errors"][0]["message"]
    assert refused["errors"][0]["message"].endswith("(rule sod.two_steps)")
    assert await refusals(demo, rid) == [(demo.uid("board_member"), "decide", ["sod.two_steps"])]
    assert (await drive(demo, rid, "pyb", "decide"))["state"] == "approved"


async def test_a_second_board_member_may_decide_where_the_first_may_not(demo: DemoApi) -> None:
    await grant_role(demo, "board_member", "pyb")
    await grant_role(demo, "board_member_2", "pyb")
    rid = await placement_of(demo)
    await run(demo, rid, [("bkd_verifier", "verify"), ("board_member", "recommend")])
    assert codes(await act(demo, "board_member", rid, "decide")) == ["FORBIDDEN"]
    assert (await drive(demo, rid, "board_member_2", "decide"))["state"] == "approved"


async def test_a_refused_proposal_is_audited_too(demo: DemoApi) -> None:
    payload = await propose(
        demo, "employee", "proposePlacement", employeeNip=demo.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )
    assert codes(payload) == ["FORBIDDEN"]
    events = await audit_events(demo, actor=demo.uid("employee"), action="request.refused")
    assert [(e["entityId"], e["after"]["action"], e["after"]["code"]) for e in events] == [
        (demo.uid("employee"), "propose", "FORBIDDEN")
    ]


# ------------------------------------------------------------------------------------------ explain


async def test_explain_names_the_grant_that_allows_and_the_rule_that_refuses(demo: DemoApi) -> None:
    rid = await placement_of(demo)
    allowed = await explain(demo, "bkd_verifier", "verify", rid)
    assert allowed == {"allowed": True, "reasons": ["allowed: bkd_verifier granted province-wide may verify placement"]}

    wrong_role = await explain(demo, "board_member", "verify", rid)
    assert wrong_role["allowed"] is False
    assert wrong_role["reasons"] == [
        "refused: verify is for bkd_verifier of the request's unit (or a unit above it) (rule route)"
    ]

    await grant_role(demo, "board_member", "pyb")
    await run(demo, rid, [("bkd_verifier", "verify"), ("board_member", "recommend")])
    twice = await explain(demo, "board_member", "decide", rid)
    assert twice["allowed"] is False
    assert twice["reasons"][0].startswith("refused: you already took the recommend step")  # type: ignore[index]
    assert twice["reasons"][0].endswith("(rule sod.two_steps)")  # type: ignore[index]

    proposer = await explain(demo, "unit_head", "withdraw", rid)
    assert proposer == {"allowed": True, "reasons": ["allowed: you proposed this request"]}


# ------------------------------------------------------------------------------------------ scope


async def test_a_request_outside_the_viewers_scope_reads_as_null_and_acting_on_it_answers_not_found(
    demo: DemoApi,
) -> None:
    rid = await placement_of(demo)  # a KEL-GAMBIR-01 request
    assert await request(demo, "target_head", rid) is None  # heads KEL-GAMBIR-02 only
    listed = await demo.ask("target_head", REQUESTS, filter={})
    assert rid not in [e["node"]["id"] for e in listed["requests"]["edges"]]
    tasks = await demo.ask("target_head", MY_TASKS)
    assert rid not in [e["node"]["request"]["id"] for e in tasks["myTasks"]["edges"]]

    payload = await act(demo, "target_head", rid, "verify")
    assert (codes(payload), fields(payload), payload["request"]) == (["NOT_FOUND"], ["requestId"], None)
    assert await explain(demo, "target_head", "verify", rid) == {
        "allowed": False,
        "reasons": [f"request {rid} does not exist"],
    }
    missing = await act(demo, "target_head", "999999", "verify")
    assert payload["errors"][0]["message"].replace(rid, "999999") == missing["errors"][0]["message"], (
        "outside the scope reads exactly like a request that does not exist"
    )


async def test_a_colleague_cannot_read_another_employees_request(demo: DemoApi) -> None:
    rid = await placement_of(demo, subject="unit_hr", proposer="bkd_official")
    assert await request(demo, "employee", rid) is None
    assert codes(await act(demo, "employee", rid, "withdraw")) == ["NOT_FOUND"]


# ------------------------------------------------------------------------------------------ versions and idempotency


async def test_a_stale_expected_version_answers_conflict_and_changes_nothing(demo: DemoApi) -> None:
    rid = await placement_of(demo)
    await run(demo, rid, [("bkd_verifier", "verify")])  # version 1 -> 2
    stale = await act(demo, "board_member", rid, "recommend", expectedVersion=1)
    assert (codes(stale), fields(stale)) == (["CONFLICT"], ["expectedVersion"])
    now = await request(demo, "auditor", rid)
    assert now is not None and (now["state"], now["version"]) == ("verified", 2)
    fresh = await act(demo, "board_member", rid, "recommend", expectedVersion=2)
    assert fresh["errors"] == [] and fresh["request"]["version"] == 3


async def test_an_idempotency_key_replays_the_first_result_without_a_second_step(demo: DemoApi) -> None:
    rid = await placement_of(demo)
    first = await act(demo, "bkd_verifier", rid, "verify", expectedVersion=1, idempotencyKey="verify-rid-1")
    assert first["errors"] == [] and first["request"]["version"] == 2
    trail = await history(demo, rid)

    replay = await act(demo, "bkd_verifier", rid, "verify", expectedVersion=1, idempotencyKey="verify-rid-1")
    assert replay["errors"] == [], "the replay answers the first result, not a CONFLICT on the stale version"
    assert (replay["request"]["id"], replay["request"]["version"], replay["request"]["state"]) == (rid, 2, "verified")
    assert await history(demo, rid) == trail, "no second step, no second audit event"

    other = await act(demo, "bkd_verifier", rid, "return", comment="changed my mind", idempotencyKey="verify-rid-1")
    assert (codes(other), fields(other)) == (["IDEMPOTENCY_MISMATCH"], ["idempotencyKey"])
    assert await history(demo, rid) == trail


async def test_an_idempotent_proposal_creates_one_request(demo: DemoApi) -> None:
    values = {"employeeNip": demo.uid("employee"), "positionCode": TARGET, "effectiveDate": TMT}
    first = await propose(demo, "unit_head", "proposePlacement", idempotencyKey="plc-zainal", **values)
    again = await propose(demo, "unit_head", "proposePlacement", idempotencyKey="plc-zainal", **values)
    assert first["errors"] == again["errors"] == []
    assert first["request"]["id"] == again["request"]["id"]
    listed = await demo.ask("auditor", REQUESTS, filter={"subjectNip": demo.uid("employee"), "kind": "PLACEMENT"})
    assert listed["requests"]["totalCount"] == 1
    changed = await propose(
        demo, "unit_head", "proposePlacement", idempotencyKey="plc-zainal", **{**values, "positionCode": "X"}
    )
    assert codes(changed) == ["IDEMPOTENCY_MISMATCH"]


# ------------------------------------------------------------------------------------------ races


async def race(api: DemoApi, request_id: str, **values: object) -> list[dict[str, object]]:
    """Twenty verifications of one step at once, over the same ASGI client."""
    return list(await asyncio.gather(*(act(api, "bkd_verifier", request_id, "verify", **values) for _ in range(20))))


async def test_twenty_concurrent_steps_at_one_version_give_one_success_and_nineteen_conflicts(demo: DemoApi) -> None:
    rid = await placement_of(demo)
    results = await race(demo, rid, expectedVersion=1)
    outcomes = sorted(",".join(codes(r)) or "ok" for r in results)  # type: ignore[arg-type]
    assert outcomes == ["CONFLICT"] * 19 + ["ok"]
    steps = [e for e in await history(demo, rid) if e["action"] == "request.verify"]
    assert len(steps) == 1
    now = await request(demo, "auditor", rid)
    assert now is not None and (now["state"], now["version"]) == ("verified", 2)


async def test_twenty_concurrent_steps_without_a_version_still_move_the_request_once(demo: DemoApi) -> None:
    rid = await placement_of(demo)
    results = await race(demo, rid)
    outcomes = sorted(",".join(codes(r)) or "ok" for r in results)  # type: ignore[arg-type]
    assert outcomes == ["CONFLICT"] * 19 + ["ok"]
    assert len([e for e in await history(demo, rid) if e["action"] == "request.verify"]) == 1


async def concurrent_proposals(api: DemoApi, mutation: str, **values: object) -> tuple[list[str], int]:
    results = await asyncio.gather(*(propose(api, "unit_head", mutation, **values) for _ in range(10)))
    listed = await api.ask("auditor", REQUESTS, filter={"subjectNip": api.uid("employee")})
    return sorted(",".join(codes(r)) or "ok" for r in results), listed["requests"]["totalCount"]


async def test_ten_concurrent_placement_proposals_for_one_employee_open_one_request(demo: DemoApi) -> None:
    outcomes, opened = await concurrent_proposals(
        demo, "proposePlacement", employeeNip=demo.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )
    assert (outcomes, opened) == (["VALIDATION"] * 9 + ["ok"], 1)


async def test_ten_concurrent_starts_of_one_years_evaluation_open_one_request(demo: DemoApi) -> None:
    outcomes, opened = await concurrent_proposals(demo, "startEvaluation", employeeNip=demo.uid("employee"), year=2026)
    assert (outcomes, opened) == (["VALIDATION"] * 9 + ["ok"], 1)
