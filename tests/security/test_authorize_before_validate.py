"""Authorize first, then validate: a command tells a caller nothing about a person or a request before it
has decided that the caller may act on them.

A subject outside the caller's scope reads exactly like a NIP that does not exist, and a request outside it
like a request id that does not exist: same code, same field, same words (the typed value aside), no name,
no request number, no state. Only someone who may act hears about versions, states and other requests.
"""

from __future__ import annotations

import re

import pytest

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    EMPLOYEE,
    TMT,
    DemoApi,
    act,
    codes,
    drive,
    fields,
    propose,
    proposed,
)
from tests.security.authfirst_helpers import (
    NO_SUCH_NIP,
    NO_SUCH_REQUEST,
    PROPOSALS,
    VACANT_IN_OWN_UNIT,
    act_raw,
    explain_raw,
    propose_about,
    same_bytes,
)

DECLARE = """mutation($input: DeclareFamilyRelationInput!) {
  declareFamilyRelation(input: $input) { employeeNip relativeNip kind errors { code message field } } }"""


async def placement(api: DemoApi) -> str:
    """A placement in KEL-GAMBIR-01 proposed by its head: outside the KEL-GAMBIR-02 head's scope."""
    return await proposed(
        api,
        "unit_head",
        "proposePlacement",
        employeeNip=api.uid("employee"),
        positionCode=VACANT_IN_OWN_UNIT,
        effectiveDate=TMT,
    )


async def test_the_probe_nip_really_does_not_exist(demo: DemoApi) -> None:
    data = await demo.ask("auditor", EMPLOYEE, nip=NO_SUCH_NIP, asOf=None, year=2026)
    assert data["employee"] is None


# ------------------------------------------------------------------------------------------ proposals


@pytest.mark.parametrize("mutation", sorted(PROPOSALS))
@pytest.mark.parametrize("target", ["unit_head", "bkd_verifier", "target_head"])
async def test_an_employee_proposing_about_someone_else_reads_not_found_like_an_unknown_nip(
    demo: DemoApi, mutation: str, target: str
) -> None:
    real_nip = demo.uid(target)
    real = await propose_about(demo, "employee", mutation, real_nip)
    missing = await propose_about(demo, "employee", mutation, NO_SUCH_NIP)
    assert (codes(real), fields(real), real["request"]) == (["NOT_FOUND"], ["employeeNip"], None)
    assert same_bytes(real, missing, real_nip, NO_SUCH_NIP), (real, missing)


@pytest.mark.parametrize("mutation", sorted(PROPOSALS))
async def test_input_is_judged_only_after_authority_so_a_bad_date_tells_nothing_either(
    demo: DemoApi, mutation: str
) -> None:
    real_nip = demo.uid("bkd_verifier")
    real = await propose_about(demo, "employee", mutation, real_nip, past=True)
    missing = await propose_about(demo, "employee", mutation, NO_SUCH_NIP, past=True)
    assert codes(real) == ["NOT_FOUND"]
    assert same_bytes(real, missing, real_nip, NO_SUCH_NIP)


async def test_a_refusal_does_not_name_the_subjects_unit_or_person(demo: DemoApi) -> None:
    payload = await propose_about(demo, "employee", "proposeTransfer", demo.uid("bkd_verifier"))
    message = payload["errors"][0]["message"]
    assert message == f"no employee has NIP {demo.uid('bkd_verifier')}"
    assert "BKD" not in message and "refused" not in message


async def test_who_may_read_the_subject_is_told_why_they_may_not_propose(demo: DemoApi) -> None:
    """The employee reads their own record, so they hear why they may not propose their own placement."""
    payload = await propose_about(demo, "employee", "proposePlacement", demo.uid("employee"))
    assert codes(payload) == ["FORBIDDEN"]
    assert payload["errors"][0]["message"].startswith("refused: propose is for unit_head")


async def test_a_head_who_may_propose_hears_of_an_unfinished_request_but_not_its_number(demo: DemoApi) -> None:
    own = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    # The target unit's head may propose a transfer into their unit, but may not read the employee's own request.
    payload = await propose(
        demo,
        "target_head",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["employeeNip"])
    message = payload["errors"][0]["message"]
    assert "unfinished transfer request" in message
    assert not re.search(rf"\b{own}\b", message), message


async def test_an_existing_evaluation_is_mentioned_without_its_request_number(demo: DemoApi) -> None:
    first = await proposed(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=2026)
    again = await propose(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=2026)
    assert fields(again) == ["year"]
    assert not re.search(rf"\b{first}\b", again["errors"][0]["message"])


async def test_declaring_a_tie_for_someone_outside_scope_reads_like_an_unknown_nip(demo: DemoApi) -> None:
    async def declare(nip: str) -> dict[str, object]:
        values = {"employeeNip": nip, "relativeNip": demo.uid("bkd_verifier"), "kind": "sibling"}
        return (await demo.ask("target_head", DECLARE, input=values))["declareFamilyRelation"]  # type: ignore[no-any-return]

    real_nip = demo.uid("employee")
    real, missing = await declare(real_nip), await declare(NO_SUCH_NIP)
    assert codes(real) == ["NOT_FOUND"]
    assert same_bytes(real, missing, real_nip, NO_SUCH_NIP), (real, missing)


# ------------------------------------------------------------------------------------------ act and explain


@pytest.mark.parametrize(
    ("action", "values"),
    [
        ("verify", {}),
        ("withdraw", {"comment": "probe"}),
        ("decide", {"expectedVersion": 99}),
        ("no_such_action", {}),
        ("issue_decree", {"data": {"decreeNo": "X"}}),
    ],
)
async def test_another_units_head_acting_on_a_request_id_reads_not_found_like_a_missing_id(
    demo: DemoApi, action: str, values: dict[str, object]
) -> None:
    rid = await placement(demo)
    real = await act_raw(demo, "target_head", rid, action, **values)
    missing = await act_raw(demo, "target_head", NO_SUCH_REQUEST, action, **values)
    assert (codes(real), fields(real), real["request"]) == (["NOT_FOUND"], ["requestId"], None)
    assert same_bytes(real, missing, rid, NO_SUCH_REQUEST), (real, missing)


async def test_a_finished_request_outside_scope_still_reads_not_found(demo: DemoApi) -> None:
    rid = await placement(demo)
    await drive(demo, rid, "bkd_verifier", "reject", comment="incomplete file")
    real = await act_raw(demo, "target_head", rid, "verify")
    missing = await act_raw(demo, "target_head", NO_SUCH_REQUEST, "verify")
    assert same_bytes(real, missing, rid, NO_SUCH_REQUEST), (real, missing)


async def test_explain_outside_scope_reads_like_a_missing_id(demo: DemoApi) -> None:
    rid = await placement(demo)
    real = await explain_raw(demo, "target_head", rid, "verify")
    missing = await explain_raw(demo, "target_head", NO_SUCH_REQUEST, "verify")
    assert real["allowed"] is False
    assert same_bytes(real, missing, rid, NO_SUCH_REQUEST), (real, missing)


async def test_who_may_read_but_never_act_is_forbidden_before_version_or_state_is_mentioned(demo: DemoApi) -> None:
    rid = await placement(demo)
    # The employee reads their own request; verifying it is never theirs, whatever its state or version.
    stale = await act(demo, "employee", rid, "verify", expectedVersion=99)
    assert codes(stale) == ["FORBIDDEN"]
    assert "version" not in stale["errors"][0]["message"] and "proposed" not in stale["errors"][0]["message"]
    await drive(demo, rid, "bkd_verifier", "verify")
    # The auditor reads every request and may act on none: no "moved from ... by ..." answer for them.
    late = await act(demo, "auditor", rid, "verify")
    assert codes(late) == ["FORBIDDEN"]
    assert demo.uid("bkd_verifier") not in late["errors"][0]["message"]
    assert "verified" not in late["errors"][0]["message"]


async def test_who_may_act_still_hears_that_the_request_moved_on(demo: DemoApi) -> None:
    rid = await placement(demo)
    await drive(demo, rid, "bkd_verifier", "verify")
    again = await act(demo, "bkd_verifier", rid, "verify")
    assert codes(again) == ["CONFLICT"]
    stale = await act(demo, "board_member", rid, "recommend", expectedVersion=1)
    assert (codes(stale), fields(stale)) == (["CONFLICT"], ["expectedVersion"])


async def test_who_may_record_no_units_predicate_is_refused_before_the_unit_is_looked_up(demo: DemoApi) -> None:
    record = """mutation($input: SetUnitPerformanceInput!) { setUnitPerformance(input: $input) {
      errors { code message field } } }"""

    async def attempt(code: str) -> dict[str, object]:
        values = {"unitCode": code, "year": 2026, "predicate": "Nope"}
        return (await demo.ask("employee", record, input=values))["setUnitPerformance"]  # type: ignore[no-any-return]

    real, missing = await attempt("KEL-GAMBIR-01"), await attempt("NO-SUCH-UNIT")
    assert codes(real) == ["FORBIDDEN"]
    assert same_bytes(real, missing, "KEL-GAMBIR-01", "NO-SUCH-UNIT"), (real, missing)


async def test_a_supervisor_early_for_their_step_hears_about_the_state_not_a_refusal(demo: DemoApi) -> None:
    """The right to a supervisory step is judged with the supervisor relation even while the request waits
    on the employee: the unit head asking to set the plan before it is drafted may do that step, just not now."""
    rid = await proposed(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=2026)
    early = await act(demo, "unit_head", rid, "set_plan")
    assert codes(early) == ["INVALID_TRANSITION"], early["errors"]
    colleague = await act(demo, "target_head", rid, "set_plan")
    assert codes(colleague) == ["NOT_FOUND"]
