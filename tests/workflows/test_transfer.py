"""Transfer: submit -> origin head releases -> target head accepts -> BKD -> board -> decide -> decree -> effective."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import Assignment
from tests.workflows.conftest import TODAY, audit_actions, codes, request_row, step
from tests.workflows.factories import World
from workflows.service import propose_transfer

TMT = dt.date(2026, 4, 1)


async def submit(w: World, who: str, employee: str = "budi", **kw: object) -> int:
    result = await propose_transfer(
        w.db,
        await w.viewer(who),
        employee_nip=w.nip(employee),
        target_position_code="STAFF_B",
        effective_date=TMT,
        today=TODAY,
        **kw,
    )
    assert result.ok and result.entity_id is not None, result.errors
    return result.entity_id


async def test_a_transfer_submitted_by_the_origin_head_is_released_with_the_submission(world: World) -> None:
    rid = await submit(world, "kabid_a")
    assert (await request_row(world.db, rid)).state == "released"
    for who, action, data in [
        ("kabid_b", "accept", {}),
        ("verifier", "verify", {}),
        ("board", "recommend", {}),
        ("governor", "decide", {}),
        ("official", "issue_decree", {"decreeNo": "SK-MUT-1"}),
    ]:
        result = await step(world, who, rid, action, data=data, today=TMT)
        assert result.ok, (action, result.errors)
    assert (await request_row(world.db, rid)).state == "effective"
    async with world.db.read() as s:
        rows = (await s.execute(select(Assignment).where(Assignment.employee_id == world.people["budi"].id))).scalars()
        now = {a.position_id: a.end_date for a in rows}
    assert now == {world.positions["STAFF_A"].id: dt.date(2026, 3, 31), world.positions["STAFF_B"].id: None}
    assert (await audit_actions(world.db, rid))[:2] == ["request.submit", "request.release"]


async def test_an_employees_own_request_needs_the_origin_head_to_release_it(world: World) -> None:
    rid = await submit(world, "budi")
    assert (await request_row(world.db, rid)).state == "submitted"
    assert codes(await step(world, "kabid_b", rid, "release")) == ["FORBIDDEN"]
    assert (await step(world, "kabid_a", rid, "release")).ok
    assert (await step(world, "kabid_b", rid, "accept")).ok
    assert (await step(world, "budi", rid, "withdraw")).ok


async def test_less_than_two_years_in_post_is_refused_without_an_exception_reason(world: World) -> None:
    result = await propose_transfer(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("sari"),
        target_position_code="STAFF_B",
        effective_date=TMT,
        today=TODAY,
    )
    assert codes(result) == ["GUARD_FAILED"] and result.errors[0].field == "min_years_in_post"
    assert "transfer.years_in_post/2020" in result.errors[0].message
    rid = await submit(world, "kabid_a", employee="sari", exception_reason="specialist needed in BID_B")
    assert (await request_row(world.db, rid)).state == "released"
