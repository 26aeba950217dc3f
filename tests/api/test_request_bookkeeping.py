"""A request's ``data`` holds only what its definition declares (issue 11 item 5): who proposed it as a
person, the steps the proposal gave with it and the last step taken are columns of their own, and they
still decide what they decided from the JSON: the implied step, segregation of duties, the lost race."""

from __future__ import annotations

from sqlalchemy import select

from server.ids import parse_row_id
from server.models import WorkflowRequest
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, act, codes, drive, proposed, state_of

PLACEMENT_TARGET = "KEL-GAMBIR-01-PLK2"
BOOKKEEPING = {"proposer", "implied", "lastStep"}


async def _row(api: DemoApi, request_id: str) -> WorkflowRequest:
    async with api.db.read() as session:
        return (
            await session.execute(select(WorkflowRequest).where(WorkflowRequest.id == parse_row_id(request_id)))
        ).scalar_one()


async def test_a_head_above_both_units_proposes_and_the_implied_release_is_a_column_not_data(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "superior",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert await state_of(demo, rid) == "released", "the implied release was taken from the column"
    row = await _row(demo, rid)
    assert not BOOKKEEPING & set(row.data), row.data
    assert row.implied_steps == ["release"]
    assert row.proposer_person is not None
    assert (row.last_action, row.last_from_state, row.last_by) == ("release", "submitted", demo.uid("superior"))


async def test_a_step_taken_twice_is_told_who_moved_the_request_from_the_last_step_columns(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode=PLACEMENT_TARGET,
        effectiveDate=TMT,
    )
    await drive(demo, rid, "bkd_verifier", "verify")
    row = await _row(demo, rid)
    again = await act(demo, "bkd_verifier", rid, "verify")
    assert codes(again) == ["CONFLICT"]
    assert again["errors"][0]["message"] == (
        f"request {parse_row_id(rid)} moved from {row.last_from_state} to {row.state} (by "
        f"{demo.uid('bkd_verifier')}, version {row.version}) before your verify; reload it"
    )
    assert not BOOKKEEPING & set(row.data), row.data
