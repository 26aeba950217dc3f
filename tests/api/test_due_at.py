"""A task falls due at 23:59 in Jakarta, and ``dueAt`` says so in UTC on every engine (SQLite read it 7 hours
late when the Jakarta time was stored without its offset)."""

from __future__ import annotations

from tests.api.helpers import TMT, DemoApi, proposed

DUE = """query($id: ID!) { request(id: $id) { openTasks { step dueAt } } }"""


async def test_a_placement_proposed_today_is_due_with_bkd_in_five_days_at_2359_jakarta(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
    )
    tasks = (await demo.ask("bkd_verifier", DUE, id=rid))["request"]["openTasks"]
    # Proposed on 2026-11-28; BKD verifies within 5 days: 2026-12-03 23:59 in Jakarta = 16:59 UTC.
    assert tasks == [{"step": "proposed", "dueAt": "2026-12-03T16:59:00+00:00"}]
