"""Training records and position promotions end to end."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from server.models import TrainingRecord
from tests.factories import assessment
from tests.workflows.conftest import TODAY, codes, request_row, step
from tests.workflows.factories import World
from workflows.service import propose_position_promotion, propose_training


async def test_a_verified_training_claim_counts_its_hours(world: World) -> None:
    result = await propose_training(
        world.db,
        await world.viewer("budi"),
        employee_nip=world.nip("budi"),
        title="Public service ethics",
        hours=24,
        date=dt.date(2026, 3, 10),
        today=TODAY,
    )
    assert result.ok and result.entity_id is not None, result.errors
    rid = result.entity_id
    assert codes(await step(world, "budi", rid, "approve")) == ["FORBIDDEN"]
    assert (await step(world, "kabid_a", rid, "approve")).ok
    assert (await step(world, "budi", rid, "record_attendance")).ok
    bad = await step(world, "budi", rid, "claim", data={"hours": 0, "certificate": "C-1"})
    assert codes(bad) == ["VALIDATION"] and bad.errors[0].field == "data.hours"
    assert (await step(world, "budi", rid, "claim", data={"hours": 20, "certificate": "C-1"})).ok
    assert (await step(world, "verifier", rid, "return", comment="certificate unreadable")).ok
    assert (await step(world, "budi", rid, "claim", data={"hours": 20, "certificate": "C-1b"})).ok
    assert (await step(world, "verifier", rid, "verify")).ok
    async with world.db.read() as s:
        rows = (await s.execute(select(TrainingRecord.hours, TrainingRecord.verified))).all()
    assert [tuple(r) for r in rows] == [(20, True)]  # the certificate's hours, not the planned 24


async def test_a_position_promotion_needs_the_talent_pool_or_an_assessment(world: World) -> None:
    viewer = await world.viewer("kabid_a")
    args = {
        "employee_nip": world.nip("budi"),
        "position_code": "KASI_A",
        "effective_date": dt.date(2026, 5, 1),
        "today": TODAY,
    }
    refused = await propose_position_promotion(world.db, viewer, talent_box=9, **args)  # type: ignore[arg-type]
    assert codes(refused) == ["GUARD_FAILED"] and refused.errors[0].field == "talent_pool_or_assessment"
    async with world.db.write() as s:  # Baik in 2025 and a high potential: box 7 of the 2025 pool
        await assessment(s, world.people["budi"], dt.date(2025, 3, 1), "high")
    result = await propose_position_promotion(world.db, viewer, talent_box=1, **args)  # type: ignore[arg-type]
    assert result.ok and result.entity_id is not None
    rid = result.entity_id
    for who, action, data in [
        ("verifier", "verify", {}),
        ("board", "recommend", {}),
        ("sekda", "decide", {}),
        ("official", "issue_decree", {"decreeNo": "SK-P-1"}),
    ]:
        r = await step(world, who, rid, action, data=data, today=dt.date(2026, 5, 1))
        assert r.ok, (action, r.errors)
    assert (await request_row(world.db, rid)).state == "effective"
