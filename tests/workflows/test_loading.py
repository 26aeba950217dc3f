"""``load``: the request with its subject, positions and units in one statement, locking the request's row only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.workflows.conftest import TODAY
from tests.workflows.factories import World
from workflows.loading import load
from workflows.service import propose_placement, propose_transfer


async def test_a_transfer_loads_with_its_target_and_origin(world: World) -> None:
    result = await propose_transfer(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("budi"),
        target_position_code="STAFF_B",
        effective_date=dt.date(2026, 4, 1),
        today=TODAY,
    )
    assert result.ok and result.entity_id is not None, result.errors
    async with world.db.write() as s:
        loaded = await load(s, result.entity_id, lock=True)
        assert loaded is not None
        assert loaded.subject.id == world.people["budi"].id
        assert loaded.position is not None and loaded.position.code == "STAFF_B"
        assert loaded.origin_position is not None and loaded.origin_position.code == "STAFF_A"
        assert {k: u.code for k, u in loaded.units.items()} == {"request": "BID_B", "origin": "BID_A"}
        assert loaded.request not in s  # detached: only save_step's versioned UPDATE changes it
        assert loaded.subject in s  # effects change the subject through the unit of work


async def test_a_placement_has_its_unit_as_origin_too(world: World) -> None:
    result = await propose_placement(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("budi"),
        position_code="KASI_A",
        effective_date=dt.date(2026, 3, 1),
        today=TODAY,
    )
    assert result.ok and result.entity_id is not None, result.errors
    async with world.db.read() as s:
        loaded = await load(s, result.entity_id, lock=False)
        assert loaded is not None
        assert loaded.position is not None and loaded.position.code == "KASI_A"
        assert {k: u.code for k, u in loaded.units.items()} == {"request": "BID_A", "origin": "BID_A"}
        assert await load(s, result.entity_id + 1000, lock=False) is None


async def test_the_lock_holds_the_request_row_and_nothing_else(world: World) -> None:
    if world.db.is_sqlite:
        pytest.skip("SQLite has no row locks: BEGIN IMMEDIATE serialises its writers")
    result = await propose_placement(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("budi"),
        position_code="KASI_A",
        effective_date=dt.date(2026, 3, 1),
        today=TODAY,
    )
    assert result.ok and result.entity_id is not None, result.errors
    request_id, position_id = result.entity_id, world.positions["KASI_A"].id
    async with world.db.write() as holder:
        assert await load(holder, request_id, lock=True) is not None
        async with world.db.write() as other:
            for table, row_id in [("employees", world.people["budi"].id), ("positions", position_id)]:
                locked = f"SELECT id FROM {table} WHERE id = :id FOR UPDATE NOWAIT"
                assert (await other.execute(text(locked), {"id": row_id})).scalar_one() == row_id
        async with world.db.write() as other:
            with pytest.raises(DBAPIError, match="could not obtain lock"):
                await other.execute(
                    text("SELECT id FROM workflow_requests WHERE id = :id FOR UPDATE NOWAIT"), {"id": request_id}
                )
