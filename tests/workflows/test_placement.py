"""Placement into a position: propose -> BKD verify -> board -> PyB/PPK decide -> decree -> effective."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import Assignment, AuditEvent
from tests.factories import sanction
from tests.workflows.conftest import TODAY, audit_actions, codes, open_tasks, request_row, step
from tests.workflows.factories import World
from workflows.cli import tick
from workflows.service import propose_placement

TMT = dt.date(2026, 3, 1)


async def propose(
    w: World, who: str = "kabid_a", employee: str = "budi", position: str = "KASI_A", **kw: object
) -> int:
    result = await propose_placement(
        w.db,
        await w.viewer(who),
        employee_nip=w.nip(employee),
        position_code=position,
        effective_date=TMT,
        today=TODAY,
        **kw,
    )
    assert result.ok, result.errors
    assert result.entity_id is not None
    return result.entity_id


async def to_approved(w: World, rid: int) -> None:
    for who, action in [("verifier", "verify"), ("board", "recommend"), ("sekda", "decide")]:
        result = await step(w, who, rid, action)
        assert result.ok, (action, result.errors)


async def test_a_placement_runs_every_step_and_moves_the_employee_on_its_tmt(world: World) -> None:
    rid = await propose(world)
    assert [t.role for t in await open_tasks(world.db, rid)] == ["bkd_verifier"]
    await to_approved(world, rid)
    assert (await step(world, "official", rid, "issue_decree", data={"decreeNo": "SK-7/2026"})).ok
    row = await request_row(world.db, rid)
    assert (row.state, row.terminal, row.effects_applied) == ("decreed", False, False)
    assert await tick(world.db, today=dt.date(2026, 2, 28)) == 0
    assert await tick(world.db, today=TMT) == 1
    row = await request_row(world.db, rid)
    assert (row.state, row.terminal, row.effects_applied) == ("effective", True, True)
    async with world.db.read() as s:
        held = (await s.execute(select(Assignment).where(Assignment.employee_id == world.people["budi"].id))).scalars()
        periods = sorted((a.position_id, a.start_date, a.end_date) for a in held)
    assert periods == [
        (world.positions["KASI_A"].id, TMT, None),
        (world.positions["STAFF_A"].id, dt.date(2018, 1, 1), dt.date(2026, 2, 28)),
    ] or sorted(periods, key=lambda p: p[1]) == [
        (world.positions["STAFF_A"].id, dt.date(2018, 1, 1), dt.date(2026, 2, 28)),
        (world.positions["KASI_A"].id, TMT, None),
    ]
    actions = await audit_actions(world.db, rid)
    assert actions == [
        "request.propose",
        "request.verify",
        "request.recommend",
        "request.decide",
        "request.issue_decree",
        "request.take_effect",
        "assignment.closed",
        "assignment.opened",
    ]
    assert await open_tasks(world.db, rid) == []


async def test_a_decree_whose_tmt_has_come_takes_effect_at_once(world: World) -> None:
    rid = await propose(world)
    await to_approved(world, rid)
    result = await step(world, "official", rid, "issue_decree", today=TMT, data={"decreeNo": "SK-8"})
    assert result.ok
    assert (await request_row(world.db, rid)).state == "effective"
    assert await tick(world.db, today=TMT) == 0


async def test_tick_is_safe_to_run_twice(world: World) -> None:
    rid = await propose(world)
    await to_approved(world, rid)
    await step(world, "official", rid, "issue_decree", data={"decreeNo": "SK-9"})
    assert await tick(world.db, today=TMT) == 1
    assert await tick(world.db, today=TMT) == 0
    async with world.db.read() as s:
        opened = (await s.execute(select(AuditEvent).where(AuditEvent.action == "assignment.opened"))).all()
    assert len(opened) == 1


async def test_verify_names_every_failed_eligibility_rule(world: World) -> None:
    async with world.db.write() as s:
        await sanction(s, world.people["budi"], "moderate", dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    rid = await propose(world)
    result = await step(world, "verifier", rid, "verify")
    assert codes(result) == ["GUARD_FAILED"]
    assert result.errors[0].field == "no_active_sanction"
    assert "discipline.active_sanction/2021" in result.errors[0].message
    assert (await request_row(world.db, rid)).state == "proposed"
    assert (await audit_actions(world.db, rid))[-1] == "request.refused"


async def test_a_filled_slot_refuses_the_proposal(world: World) -> None:
    result = await propose_placement(
        world.db,
        await world.viewer("kadis"),
        employee_nip=world.nip("budi"),
        position_code="KABID_A",
        effective_date=TMT,
        today=TODAY,
    )
    assert codes(result) == ["GUARD_FAILED"]
    assert result.errors[0].field == "slot_vacant"


async def test_reject_needs_a_comment_and_ends_the_request(world: World) -> None:
    rid = await propose(world)
    missing = await step(world, "verifier", rid, "reject")
    assert codes(missing) == ["VALIDATION"] and missing.errors[0].field == "comment"
    assert (await step(world, "verifier", rid, "reject", comment="not eligible this year")).ok
    row = await request_row(world.db, rid)
    assert (row.state, row.terminal) == ("rejected", True)
    late = await step(world, "board", rid, "recommend")
    assert codes(late) == ["INVALID_TRANSITION"]


async def test_return_sends_the_request_to_its_proposer_and_resubmission_runs_the_steps_again(world: World) -> None:
    rid = await propose(world)
    assert (await step(world, "verifier", rid, "verify")).ok
    assert (await step(world, "board", rid, "return", comment="attach the competency assessment")).ok
    tasks = await open_tasks(world.db, rid)
    assert [(t.role, t.assignee_user_id) for t in tasks] == [("proposer", world.nip("kabid_a"))]
    assert (await step(world, "kabid_a", rid, "propose")).ok
    assert (await request_row(world.db, rid)).state == "proposed"
    await to_approved(world, rid)
    async with world.db.read() as s:
        comments = (
            (
                await s.execute(
                    select(AuditEvent.comment).where(
                        AuditEvent.request_id == rid, AuditEvent.action == "request.return"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert comments == ["attach the competency assessment"]


async def test_withdraw_by_the_proposer_is_refused_once_decided(world: World) -> None:
    rid = await propose(world)
    await to_approved(world, rid)
    result = await step(world, "kabid_a", rid, "withdraw")
    assert codes(result) == ["INVALID_TRANSITION"]
    assert "decision has been taken" in result.errors[0].message
    await world.newcomer("nina")
    other = await propose(world, who="kabid_b", employee="nina", position="STAFF_B")
    assert (await step(world, "kabid_b", other, "withdraw")).ok
    assert (await request_row(world.db, other)).state == "withdrawn"
