"""A transfer must not put a declared relative directly above or below the employee (no conflict of interest).

Budi holds STAFF_A in BID_A (under Kabid A); STAFF_B in BID_B is vacant under Kabid B; KASI_A is a vacant
managerial post under Kabid A.
"""

from __future__ import annotations

import datetime as dt

from server.commands import CommandResult
from tests import factories as f
from tests.workflows.conftest import TODAY, codes
from tests.workflows.factories import World
from workflows.service import propose_transfer

TMT = dt.date(2026, 3, 1)


async def transfer(w: World, who: str, target: str) -> CommandResult:
    viewer = await w.viewer("official", TODAY)
    return await propose_transfer(
        w.db, viewer, employee_nip=w.nip(who), target_position_code=target, effective_date=TMT, today=TODAY
    )


async def tie(w: World, who: str, relative: str, kind: str = "spouse") -> None:
    async with w.db.write() as s:
        await f.family_tie(s, w.people[who], w.people[relative], kind)


async def test_a_transfer_under_ones_spouse_is_refused_naming_the_tie(world: World) -> None:
    await tie(world, "budi", "kabid_b")
    refused = await transfer(world, "budi", "STAFF_B")
    assert codes(refused) == ["GUARD_FAILED"] and refused.errors[0].field == "no_conflict_of_interest"
    assert "their spouse Kabid B would be their direct supervisor" in refused.errors[0].message
    assert "transfer.conflict_of_interest/2017" in refused.errors[0].message


async def test_a_tie_declared_by_the_relative_counts_the_same(world: World) -> None:
    await tie(world, "kabid_b", "budi", "sibling")
    refused = await transfer(world, "budi", "STAFF_B")
    assert codes(refused) == ["GUARD_FAILED"] and "their sibling Kabid B" in refused.errors[0].message


async def test_a_relative_elsewhere_in_the_service_is_no_conflict(world: World) -> None:
    await tie(world, "budi", "kabid_a")  # his current supervisor: not who the transfer puts above him
    assert (await transfer(world, "budi", "STAFF_B")).ok


async def test_a_relative_who_would_report_to_the_new_post_is_a_conflict(world: World) -> None:
    async with world.db.write() as s:
        clerk = await f.position(s, "STAFF_KASI", world.units["BID_A"], parent=world.positions["KASI_A"])
        world.people["dewi"] = await f.employee(s, "Dewi", birth=dt.date(1992, 5, 5), gender="F")
        await f.assign(s, world.people["dewi"], clerk, dt.date(2024, 6, 1))
    await tie(world, "budi", "dewi", "sibling")
    refused = await transfer(world, "budi", "KASI_A")
    assert codes(refused) == ["GUARD_FAILED"]
    assert "their sibling Dewi would be their direct subordinate" in refused.errors[0].message


async def test_without_declared_relatives_the_guard_passes(world: World) -> None:
    assert (await transfer(world, "budi", "STAFF_B")).ok
