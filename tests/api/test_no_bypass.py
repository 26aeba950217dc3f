"""No bypass through a neighbouring workflow, and requests only about active employees.

A placement that would move someone out of another unit (another branch of the unit tree) is refused with a
sentence pointing to a transfer, whose controls (the origin head's release, 2 years in post, no conflict of
interest) a placement does not have. Within one line of the tree it stays a placement. Someone who moved
out, retired, was dismissed or died is the subject of no new request.
"""

from __future__ import annotations

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    TMT,
    DemoApi,
    act,
    codes,
    fields,
    move_current_post_start,
    option,
    propose,
    proposed,
    request,
    run,
    update_employee,
)
from tests.api.test_transfer_out import OUTSIDE, TO_RELEASE, status, submit
from workflows.cli import tick

OWN_UNIT_TARGET = "KEL-GAMBIR-01-PLK2"  # the employee's own kelurahan


async def place(api: DemoApi, persona: str, subject: str, position: str) -> dict[str, object]:
    return await propose(
        api, persona, "proposePlacement", employeeNip=api.uid(subject), positionCode=position, effectiveDate=TMT
    )


async def test_a_placement_into_another_units_post_is_refused_pointing_to_a_transfer(demo: DemoApi) -> None:
    refused = await place(demo, "bkd_official", "employee", TRANSFER_TARGET_POSITION)
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["placement_within_unit"])
    message = refused["errors"][0]["message"]  # type: ignore[index]
    assert "KEL-GAMBIR-01" in message and "KEL-GAMBIR-02" in message
    assert "proposeTransfer" in message and "placement.within_unit/2020" in message


async def test_the_same_move_goes_through_as_a_transfer_with_its_controls(demo: DemoApi) -> None:
    await move_current_post_start(demo.db, demo.uid("employee"), TMT.replace(year=TMT.year - 3))
    payload = await propose(
        demo,
        "target_head",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert payload["errors"] == []
    assert payload["request"]["state"] == "submitted"  # waiting for the origin head's release


async def test_a_placement_within_the_own_unit_stays_a_placement(demo: DemoApi) -> None:
    assert (await place(demo, "unit_head", "employee", OWN_UNIT_TARGET))["errors"] == []


async def test_a_placement_down_the_units_own_line_is_no_transfer(demo: DemoApi) -> None:
    # The kecamatan's HR operator into a post of a kelurahan under that kecamatan: one line of the tree.
    assert (await place(demo, "bkd_official", "unit_hr", OWN_UNIT_TARGET))["errors"] == []


async def test_a_retired_employee_is_the_subject_of_no_request(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("employee"), status="retired")
    refused = await place(demo, "unit_head", "employee", OWN_UNIT_TARGET)
    assert (codes(refused), fields(refused)) == (["VALIDATION"], ["employeeNip"])
    assert "is retired, not active" in refused["errors"][0]["message"]  # type: ignore[index]
    training = await propose(
        demo,
        "employee",
        "proposeTraining",
        employeeNip=demo.uid("employee"),
        title="Pelayanan publik",
        hours=8,
        date=TMT,
    )
    assert codes(training) == ["VALIDATION"]


async def test_a_stranger_learns_nothing_of_an_inactive_employees_status(demo: DemoApi) -> None:
    await update_employee(demo.db, demo.uid("unit_hr"), status="deceased")
    refused = await place(demo, "employee", "unit_hr", OWN_UNIT_TARGET)
    assert codes(refused) in (["NOT_FOUND"], ["FORBIDDEN"])  # authority is decided before the status is said
    assert "deceased" not in str(refused["errors"])


async def test_after_leaving_jakarta_through_the_write_path_no_new_request_is_accepted(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    rid = await submit(demo, reason="following my spouse")
    await run(demo, rid, TO_RELEASE)
    await run(demo, rid, OUTSIDE)
    assert await tick(demo.db, today=TMT) == 1
    assert await status(demo, nip) == "moved_out"  # set by the leave_jakarta_service effect, audited
    refused = await place(demo, "bkd_official", "employee", OWN_UNIT_TARGET)
    assert codes(refused) == ["VALIDATION"] and "moved out, not active" in refused["errors"][0]["message"]  # type: ignore[index]
    assert await proposed(
        demo,
        "bkd_official",
        "proposePlacement",
        employeeNip=demo.uid("unit_hr"),
        positionCode=OWN_UNIT_TARGET,
        effectiveDate=TMT,
    )


async def test_a_request_open_when_its_subject_left_can_only_be_rejected_or_withdrawn(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode=OWN_UNIT_TARGET,
        effectiveDate=TMT,
    )
    await update_employee(demo.db, demo.uid("employee"), status="retired")
    shown = await request(demo, "bkd_verifier", rid)
    assert shown is not None
    verify = option(shown, "verify")
    assert verify["allowed"] is False and (verify["reason"] or "").startswith("subject_active: ")
    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["subject_active"])
    assert "is retired, not active" in refused["errors"][0]["message"]  # type: ignore[index]
    assert option(shown, "reject")["allowed"] is True
    assert (await act(demo, "unit_head", rid, "withdraw"))["errors"] == []
