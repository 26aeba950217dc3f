"""The inbox and the actions a viewer may take: exactly what they may act on, from data, no per-row checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Task, WorkflowRequest
from tests.workflows.conftest import TODAY, request_row, step
from tests.workflows.factories import World
from workflows.queries import available_actions, standings
from workflows.repository.lists import RequestFilter, actionable_tasks, readable_requests
from workflows.service import propose_placement, propose_transfer


async def my_tasks(
    session: AsyncSession, viewer: Viewer, *, first: int, after: int | None = None
) -> tuple[list[Task], bool]:
    """A page of ``actionable_tasks``, newest first, keyset on id (as the inbox resolver pages it)."""
    query = actionable_tasks(viewer)
    if after is not None:
        query = query.where(Task.id < after)
    rows = list((await session.execute(query.order_by(Task.id.desc()).limit(first + 1))).scalars())
    return rows[:first], len(rows) > first


async def list_requests(
    session: AsyncSession, viewer: Viewer, filter: RequestFilter | None = None, *, first: int
) -> tuple[list[WorkflowRequest], bool]:
    """A page of ``readable_requests``, newest first."""
    query = readable_requests(viewer, filter).order_by(WorkflowRequest.id.desc()).limit(first + 1)
    rows = list((await session.execute(query)).scalars())
    return rows[:first], len(rows) > first


async def placement(w: World, employee: str, position: str, who: str) -> int:
    result = await propose_placement(
        w.db,
        await w.viewer(who),
        employee_nip=w.nip(employee),
        position_code=position,
        effective_date=dt.date(2026, 3, 1),
        today=TODAY,
    )
    assert result.ok and result.entity_id is not None, result.errors
    return result.entity_id


async def test_my_tasks_lists_the_tasks_of_the_viewers_roles_newest_first_in_pages(world: World) -> None:
    first = await placement(world, "budi", "KASI_A", "kabid_a")
    await world.newcomer("nina")  # holds no post: a placement into BID_B moves her out of no unit
    second = await placement(world, "nina", "STAFF_B", "kabid_b")
    async with world.db.read() as s:
        page, more = await my_tasks(s, await world.viewer("verifier"), first=1)
        assert [t.request_id for t in page] == [second] and more
        rest, more = await my_tasks(s, await world.viewer("verifier"), first=5, after=page[0].id)
        assert [t.request_id for t in rest] == [first] and not more
        board, _ = await my_tasks(s, await world.viewer("board"), first=5)
        assert board == []


async def test_unit_scoped_tasks_reach_only_the_head_of_that_unit(world: World) -> None:
    result = await propose_transfer(
        world.db,
        await world.viewer("budi"),
        employee_nip=world.nip("budi"),
        target_position_code="STAFF_B",
        effective_date=dt.date(2026, 4, 1),
        today=TODAY,
    )
    assert result.entity_id is not None
    async with world.db.read() as s:
        origin, _ = await my_tasks(s, await world.viewer("kabid_a"), first=5)
        target, _ = await my_tasks(s, await world.viewer("kabid_b"), first=5)
        above, _ = await my_tasks(s, await world.viewer("kadis"), first=5)
        own, _ = await my_tasks(s, await world.viewer("budi"), first=5)
    assert [(t.step, t.role) for t in origin] == [("submitted", "unit_head")]
    assert target == [] and len(above) == 1 and own == []


async def test_available_actions_say_what_is_allowed_and_why_not(world: World) -> None:
    rid = await placement(world, "budi", "KASI_A", "kabid_a")
    row = await request_row(world.db, rid)
    async with world.db.read() as s:
        verifier = await world.viewer("verifier")
        proposer = await world.viewer("kabid_a")
        stands = await standings(s, verifier, [row], TODAY)
        options = {o.action: o for o in available_actions(row, verifier, stands[rid])}
        mine = {
            o.action: o for o in available_actions(row, proposer, (await standings(s, proposer, [row], TODAY))[rid])
        }
    assert {a: (o.kind, o.allowed) for a, o in options.items()} == {
        "verify": ("forward", True),
        "return": ("return", True),
        "reject": ("reject", True),
        "withdraw": ("withdraw", False),
    }
    assert options["withdraw"].reason == "refused: withdraw is for the proposer"
    assert mine["withdraw"].allowed and not mine["verify"].allowed
    assert mine["verify"].reason is not None and "bkd_verifier" in mine["verify"].reason


async def test_list_requests_is_scoped_and_filtered_in_sql(world: World) -> None:
    first = await placement(world, "budi", "KASI_A", "kabid_a")
    await world.newcomer("nina")  # holds no post: a placement into BID_B moves her out of no unit
    second = await placement(world, "nina", "STAFF_B", "kabid_b")
    await step(world, "verifier", first, "verify")
    async with world.db.read() as s:
        head_b = await world.viewer("kabid_b")
        rows, _ = await list_requests(s, head_b, first=10)
        assert [r.id for r in rows] == [second]
        verified, _ = await list_requests(s, await world.viewer("verifier"), RequestFilter(state="verified"), first=10)
        assert [r.id for r in verified] == [first]
