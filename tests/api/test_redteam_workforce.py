"""Red-team probes of the workload analysis: a quota changed on a leap day and again the next day, a workload
entered for another unit's post, and a position whose workload was cleared."""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import DemoApi, codes
from tests.api.test_workforce_needs import EXAMPLE_1, UPSERT_QUOTA, needs, set_workload

LEAP_DAY = dt.date(2028, 2, 29)


async def test_a_quota_changed_on_29_february_and_again_on_1_march_reads_right_on_each_day(demo: DemoApi) -> None:
    before = (await needs(demo, "bkd_verifier", "KEL-GAMBIR-02"))[TRANSFER_TARGET_POSITION]["approvedQuota"]
    for day, quota in ((LEAP_DAY, before + 1), (LEAP_DAY + dt.timedelta(days=1), before + 3)):
        async with demo.on(day) as then:
            changed = await then.ask("bkd_official", UPSERT_QUOTA, code=TRANSFER_TARGET_POSITION, quota=quota)
            assert changed["upsertPosition"]["errors"] == []
    read = {
        day: (await needs(demo, "bkd_verifier", "KEL-GAMBIR-02", as_of=day))[TRANSFER_TARGET_POSITION]["approvedQuota"]
        for day in (dt.date(2028, 2, 28), LEAP_DAY, dt.date(2028, 3, 1))
    }
    assert read == {dt.date(2028, 2, 28): before, LEAP_DAY: before + 1, dt.date(2028, 3, 1): before + 3}


async def test_another_units_head_and_another_kelurahans_head_cannot_enter_a_workload(demo: DemoApi) -> None:
    for persona in ("target_head", "unit_head", "employee"):
        payload = await set_workload(demo, persona, EMPLOYEE_POSITION, EXAMPLE_1)
        assert codes(payload) == ["FORBIDDEN"], persona
    assert (await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, EXAMPLE_1))["errors"] == []


async def test_a_cleared_workload_needs_nobody_and_its_holders_read_as_surplus(demo: DemoApi) -> None:
    assert (await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, []))["errors"] == []
    found = (await needs(demo, "unit_hr", "KEL-GAMBIR-01", sub=False))[EMPLOYEE_POSITION]
    assert (found["annualHours"], found["neededStaff"], found["tasks"]) == (0, 0, [])
    assert found["gap"] == -found["filled"]
