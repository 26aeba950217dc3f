"""The write path's guarantees: segregation of duties, versions, races, idempotency."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from server.models import AuditEvent
from tests.factories import grant
from tests.workflows.conftest import TODAY, audit_actions, codes, request_row, step
from tests.workflows.factories import World
from workflows.service import act, propose_placement

TMT = dt.date(2026, 3, 1)


async def propose(w: World, who: str = "kabid_a") -> int:
    result = await propose_placement(
        w.db, await w.viewer(who), employee_nip=w.nip("budi"), position_code="KASI_A", effective_date=TMT, today=TODAY
    )
    assert result.ok and result.entity_id is not None, result.errors
    return result.entity_id


async def test_nobody_acts_on_a_request_about_themselves(world: World) -> None:
    async with world.db.write() as s:
        await grant(s, world.nip("budi"), "bkd_verifier")
    rid = await propose(world)
    result = await step(world, "budi", rid, "verify")
    assert codes(result) == ["FORBIDDEN"]
    assert "sod.own_case" in result.errors[0].message
    assert (await audit_actions(world.db, rid))[-1] == "request.refused"


async def test_the_proposer_does_not_approve_their_own_proposal(world: World) -> None:
    async with world.db.write() as s:
        await grant(s, "official", "board_member")
    rid = await propose(world, who="official")
    assert (await step(world, "verifier", rid, "verify")).ok
    result = await step(world, "official", rid, "recommend")
    assert codes(result) == ["FORBIDDEN"]
    assert "sod.proposer_approves" in result.errors[0].message


async def test_one_person_does_not_take_two_approval_steps(world: World) -> None:
    async with world.db.write() as s:
        await grant(s, "verifier", "board_member")
    rid = await propose(world)
    assert (await step(world, "verifier", rid, "verify")).ok
    result = await step(world, "verifier", rid, "recommend")
    assert codes(result) == ["FORBIDDEN"]
    assert "sod.two_steps" in result.errors[0].message
    assert (await step(world, "board", rid, "recommend")).ok


async def test_a_role_outside_the_route_is_forbidden(world: World) -> None:
    rid = await propose(world)
    result = await step(world, "board", rid, "verify")
    assert codes(result) == ["FORBIDDEN"]
    assert "bkd_verifier" in result.errors[0].message


async def test_a_request_outside_the_viewers_scope_reads_as_not_found(world: World) -> None:
    rid = await propose(world)
    assert codes(await step(world, "kabid_b", rid, "verify")) == ["NOT_FOUND"]


async def test_a_stale_expected_version_is_a_conflict(world: World) -> None:
    rid = await propose(world)
    result = await step(world, "verifier", rid, "verify", expected_version=7)
    assert codes(result) == ["CONFLICT"] and result.errors[0].field == "expectedVersion"
    assert (await step(world, "verifier", rid, "verify", expected_version=1)).ok
    assert (await request_row(world.db, rid)).version == 2


async def test_twenty_approvers_at_once_exactly_one_succeeds(world: World) -> None:
    rid = await propose(world)
    viewers = [await world.viewer(name) for name in ("verifier", "verifier2") * 10]
    results = await asyncio.gather(
        *(act(world.db, v, request_id=rid, action="verify", expected_version=1, today=TODAY) for v in viewers)
    )
    assert sum(r.ok for r in results) == 1
    assert sorted({c for r in results for c in codes(r)}) == ["CONFLICT"]
    assert (await audit_actions(world.db, rid)).count("request.verify") == 1


async def test_a_lost_race_without_expected_version_is_a_conflict_too(world: World) -> None:
    rid = await propose(world)
    viewers = [await world.viewer("verifier"), await world.viewer("verifier2")] * 5
    results = await asyncio.gather(*(act(world.db, v, request_id=rid, action="verify", today=TODAY) for v in viewers))
    assert sum(r.ok for r in results) == 1
    assert {c for r in results for c in codes(r)} == {"CONFLICT"}


async def test_an_idempotency_key_replays_the_first_result_without_a_second_effect(world: World) -> None:
    rid = await propose(world)
    first = await step(world, "verifier", rid, "verify", idempotency_key="k-1")
    again = await step(world, "verifier", rid, "verify", idempotency_key="k-1")
    assert first == again and first.ok
    assert (await request_row(world.db, rid)).version == 2
    async with world.db.read() as s:
        count = (await s.execute(select(func.count()).where(AuditEvent.action == "request.verify"))).scalar_one()
    assert count == 1


async def test_the_same_key_with_another_input_is_refused(world: World) -> None:
    rid = await propose(world)
    assert (await step(world, "verifier", rid, "verify", idempotency_key="k-2")).ok
    other = await step(world, "verifier", rid, "reject", comment="no", idempotency_key="k-2")
    assert codes(other) == ["IDEMPOTENCY_MISMATCH"] and other.errors[0].field == "idempotencyKey"


async def test_an_unknown_nip_is_not_found_on_its_field(world: World) -> None:
    result = await propose_placement(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip="19850517 200803 1 999",
        position_code="KASI_A",
        effective_date=TMT,
        today=TODAY,
    )
    assert codes(result) == ["NOT_FOUND"] and result.errors[0].field == "employeeNip"


async def test_an_unknown_action_is_a_validation_error(world: World) -> None:
    rid = await propose(world)
    result = await step(world, "verifier", rid, "approve_everything")
    assert codes(result) == ["VALIDATION"] and result.errors[0].field == "action"
