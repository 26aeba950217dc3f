"""Red-team probes of escalation: what a person added to a late task by escalation keeps once they no longer
hold the role that put them there (a Camat moved on, their grant revoked), and deadlines on a leap day."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import DemoApi, act, request
from tests.api.test_deadlines import assigned_to, deadline_events, open_tasks, submit, tick_on
from tests.security.sod_helpers import REVOKE

FILE = "query($nip: String!) { employee(nip: $nip) { nip birthDate evaluations { year predicate } } }"
ESCALATED_ON = dt.date(2026, 12, 10)


async def escalated_to_the_camat(demo: DemoApi) -> str:
    """The Lurah of Gambir 02's late task on the employee's transfer, escalated to the Camat of Gambir."""
    rid = await submit(demo)
    for day in (6, 10):
        await tick_on(demo, dt.date(2026, 12, day))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded", "task.escalated"]
    return rid


async def revoke_camat(demo: DemoApi) -> None:
    values = {"userId": demo.uid("superior"), "role": "unit_head", "unitCode": "KEC-GAMBIR"}
    payload = (await demo.ask("admin", REVOKE, input=values))["revokeRole"]
    assert payload["errors"] == [], payload["errors"]


async def test_the_camat_in_office_gets_the_escalated_task_and_reads_the_subjects_file(demo: DemoApi) -> None:
    rid = await escalated_to_the_camat(demo)
    async with demo.on(ESCALATED_ON) as later:
        assert [t["assignee"] for t in await assigned_to(later, "superior", rid)] == [later.uid("superior")]
        assert (await later.ask("superior", FILE, nip=later.uid("employee")))["employee"] is not None


async def test_a_camat_whose_grant_was_revoked_after_the_escalation_loses_the_task_and_the_file(
    demo: DemoApi,
) -> None:
    rid = await escalated_to_the_camat(demo)
    async with demo.on(ESCALATED_ON) as later:
        await revoke_camat(later)
        assert (await later.ask("superior", FILE, nip=later.uid("employee")))["employee"] is None
        assert await assigned_to(later, "superior", rid) == []
        refused = await act(later, "superior", rid, "release")
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
        # the request stays readable to whoever was named on it (the read rule), but shows only a card
        assert (await request(later, "superior", rid)) is not None
        assert len([t for t in await open_tasks(later, rid) if t["assignee"]]) == 1  # the row stays for the audit


async def test_a_task_due_on_29_february_is_reminded_on_1_march_and_escalated_three_days_later(
    demo: DemoApi,
) -> None:
    async with demo.on(dt.date(2028, 2, 22)) as before:
        rid = await submit(before, effective=dt.date(2028, 6, 1))
        assert {t["dueAt"] for t in await open_tasks(before, rid)} == {"2028-02-29T16:59:00+00:00"}
    await tick_on(demo, dt.date(2028, 2, 29))
    assert await deadline_events(demo, rid) == []
    await tick_on(demo, dt.date(2028, 3, 1))
    await tick_on(demo, dt.date(2028, 3, 3))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded"]
    await tick_on(demo, dt.date(2028, 3, 4))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded", "task.escalated"]
