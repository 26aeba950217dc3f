"""declareFamilyRelation through the API, and the transfer it then stops: no declared relative may become the
employee's direct superior. The target_head persona heads KEL-GAMBIR-02, above TRANSFER_TARGET_POSITION."""

from __future__ import annotations

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, audit_events, codes, fields, propose

DECLARE = """mutation($input: DeclareFamilyRelationInput!) {
  declareFamilyRelation(input: $input) { employeeNip relativeNip kind errors { code message field } } }"""


async def declare(api: DemoApi, persona: str, relative: str, kind: str = "spouse", of: str = "employee") -> dict:  # type: ignore[type-arg]
    values = {"employeeNip": api.uid(of), "relativeNip": api.uid(relative), "kind": kind}
    return (await api.ask(persona, DECLARE, input=values))["declareFamilyRelation"]  # type: ignore[no-any-return]


async def test_an_employee_declares_a_tie_and_a_transfer_under_that_relative_is_refused(demo: DemoApi) -> None:
    declared = await declare(demo, "employee", "target_head")
    assert declared == {
        "employeeNip": demo.uid("employee"),
        "relativeNip": demo.uid("target_head"),
        "kind": "spouse",
        "errors": [],
    }
    assert [e["action"] for e in await audit_events(demo, action="employee.relation_declared")] == [
        "employee.relation_declared"
    ]
    refused = await propose(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["no_conflict_of_interest"])
    assert "would be their direct supervisor" in refused["errors"][0]["message"]


async def test_hr_and_bkd_may_declare_for_an_employee_but_not_other_people(demo: DemoApi) -> None:
    assert (await declare(demo, "unit_hr", "target_head"))["errors"] == []
    assert (await declare(demo, "bkd_official", "superior", "parent"))["errors"] == []
    for persona in ("unit_head", "bkd_verifier"):
        assert codes(await declare(demo, persona, "bkd_verifier", "sibling")) == ["FORBIDDEN"], persona
    # The employee is outside target_head's unit: refused as if the NIP did not exist (the refusal would name it).
    assert codes(await declare(demo, "target_head", "bkd_verifier", "sibling")) == ["NOT_FOUND"]
    assert len(await audit_events(demo, action="employee.relation.refused")) == 3


async def test_bad_ties_are_refused_naming_the_field(demo: DemoApi) -> None:
    assert fields(await declare(demo, "employee", "target_head", "cousin")) == ["kind"]
    assert fields(await declare(demo, "employee", "employee")) == ["relativeNip"]
    assert (await declare(demo, "employee", "target_head"))["errors"] == []
    again = await declare(demo, "target_head", "employee", of="target_head")
    assert fields(again) == ["relativeNip"] and "already declared related (spouse)" in again["errors"][0]["message"]
    unknown = await declare(demo, "employee", "199001012020121001")
    assert (codes(unknown), fields(unknown)) == (["NOT_FOUND"], ["relativeNip"])
