"""Deadlines that act: ``asnflow workflows tick`` reminds an overdue task, then after the service standard's
days adds the role's holder in the unit above to it; once, however often tick runs; counted per unit.

The scene: the Lurah of Gambir 01 (``unit_head``) submits the employee's transfer to Gambir 02, which gives
their own release, so the task is the Lurah of Gambir 02's (``target_head``) acceptance, due 7 days later.
The unit above Gambir 02 is Kecamatan Gambir, whose head is the ``superior`` persona.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from server.models import RoleGrant, Unit
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TODAY, DemoApi, act, audit_events, proposed
from workflows import escalation
from workflows.cli import run_tick

DUE = dt.date(2026, 12, 5)  # 28 November + 7 days: a Saturday
OPEN_TASKS = "query($id: ID!) { request(id: $id) { state openTasks { step role unitCode assignee dueAt overdue } } }"
MY_TASKS = "{ myTasks(first: 100) { edges { node { assignee overdue request { id } } } } }"
COUNTS = "query($unit: String) { overdueTaskCounts(unitCode: $unit) { unitCode overdue escalated } }"


async def submit(api: DemoApi, effective: dt.date = dt.date(2027, 2, 1)) -> str:
    return await proposed(
        api,
        "unit_head",
        "proposeTransfer",
        employeeNip=api.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=effective,
    )


async def tick_on(api: DemoApi, day: dt.date) -> None:
    report = await run_tick(api.db, today=day)
    assert report.failed == [], report.failed


async def deadline_events(api: DemoApi, rid: str) -> list[tuple[str, Any]]:
    events = await audit_events(api, requestId=rid)
    return [(e["action"], e["after"]) for e in events if e["action"].startswith("task.")]


async def open_tasks(api: DemoApi, rid: str) -> list[dict[str, Any]]:
    found = (await api.ask("auditor", OPEN_TASKS, id=rid))["request"]
    return found["openTasks"]  # type: ignore[no-any-return]


async def assigned_to(api: DemoApi, persona: str, rid: str) -> list[dict[str, Any]]:
    edges = (await api.ask(persona, MY_TASKS))["myTasks"]["edges"]
    return [e["node"] for e in edges if e["node"]["request"]["id"] == rid and e["node"]["assignee"] == api.uid(persona)]


async def test_an_overdue_task_is_reminded_once_then_escalated_once_to_the_camat_after_three_days(
    demo: DemoApi,
) -> None:
    rid = await submit(demo)
    assert [(t["step"], t["unitCode"], t["dueAt"]) for t in await open_tasks(demo, rid)] == [
        ("released", "KEL-GAMBIR-02", "2026-12-05T16:59:00+00:00")
    ]
    await tick_on(demo, DUE)  # due at 23:59 that day: not overdue yet
    assert await deadline_events(demo, rid) == []
    for _ in range(2):  # Sunday, twice: one reminder
        await tick_on(demo, DUE + dt.timedelta(days=1))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded"]
    await tick_on(demo, DUE + dt.timedelta(days=3))  # Tuesday: 3 days past, not more
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded"]
    assert await assigned_to(demo, "superior", rid) == []
    for day in (9, 9, 10):  # Wednesday (weekend days count: calendar days), twice, and Thursday
        await tick_on(demo, dt.date(2026, 12, day))
    events = await deadline_events(demo, rid)
    assert [a for a, _ in events] == ["task.reminded", "task.escalated"]
    escalated = events[1][1]
    assert (escalated["to"], escalated["rule"], escalated["days"]) == (
        [demo.uid("superior")],
        "task.escalation/2024",
        3,
    )
    async with demo.on(dt.date(2026, 12, 9)) as later:
        mine = await assigned_to(later, "superior", rid)
        assert [(t["assignee"], t["overdue"]) for t in mine] == [(demo.uid("superior"), True)]
        # the original task is still the target head's; the Camat is added, not substituted
        assert await assigned_to(later, "target_head", rid) == []
        assert any(t["assignee"] is None for t in await open_tasks(later, rid))


async def test_the_camat_added_by_escalation_takes_the_step_and_every_row_of_the_task_closes(demo: DemoApi) -> None:
    rid = await submit(demo)
    await tick_on(demo, dt.date(2026, 12, 9))  # reminded and escalated in one run when tick has not run for days
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded", "task.escalated"]
    async with demo.on(dt.date(2026, 12, 9)) as later:
        done = await act(later, "superior", rid, "accept")
        assert done["errors"] == [], done["errors"]
        assert [t["step"] for t in await open_tasks(later, rid)] == ["accepted"]


async def test_a_task_returned_twice_gets_a_new_due_date_each_time_and_its_escalation_starts_over(
    demo: DemoApi,
) -> None:
    rid = await submit(demo)
    await tick_on(demo, dt.date(2026, 12, 9))
    day = dt.date(2026, 12, 10)
    for round_ in range(2):
        async with demo.on(day) as api:
            back = await act(api, "target_head", rid, "return", comment="the post description is missing")
            assert back["errors"] == [], back["errors"]
            again = await act(api, "unit_head", rid, "submit")
            assert again["errors"] == [], again["errors"]
            due = day + dt.timedelta(days=7)
            tasks = await open_tasks(api, rid)
            assert {t["dueAt"] for t in tasks} == {f"{due.isoformat()}T16:59:00+00:00"}, (round_, tasks)
        await tick_on(demo, due)  # the new task is not overdue on its due date: no mark carried over
        escalations = [a for a, _ in await deadline_events(demo, rid)].count("task.escalated")
        assert escalations == 1 + round_
        await tick_on(demo, due + dt.timedelta(days=4))
        assert [a for a, _ in await deadline_events(demo, rid)].count("task.escalated") == 2 + round_
        day = due + dt.timedelta(days=5)


async def test_a_task_due_on_1_january_is_reminded_on_the_2nd_and_escalated_on_the_5th(demo: DemoApi) -> None:
    async with demo.on(dt.date(2026, 12, 25)) as christmas:
        rid = await submit(christmas)
        assert {t["dueAt"] for t in await open_tasks(christmas, rid)} == {"2027-01-01T16:59:00+00:00"}
    await tick_on(demo, dt.date(2027, 1, 1))
    assert await deadline_events(demo, rid) == []
    await tick_on(demo, dt.date(2027, 1, 2))
    await tick_on(demo, dt.date(2027, 1, 4))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded"]
    await tick_on(demo, dt.date(2027, 1, 5))
    assert [a for a, _ in await deadline_events(demo, rid)] == ["task.reminded", "task.escalated"]


async def test_a_bkd_task_has_nobody_above_and_is_escalated_once_saying_so(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=dt.date(2027, 2, 1),
    )
    for _ in range(2):
        await tick_on(demo, TODAY + dt.timedelta(days=30))
    events = await deadline_events(demo, rid)
    assert [a for a, _ in events] == ["task.reminded", "task.escalated"]
    assert events[1][1]["to"] == []
    assert [t["assignee"] for t in await open_tasks(demo, rid)] == [None]


async def other_units_head(api: DemoApi) -> str:
    async with api.db.read() as s:
        return str(
            (
                await s.execute(
                    select(RoleGrant.user_id)
                    .join(Unit, Unit.id == RoleGrant.unit_id)
                    .where(RoleGrant.role == "unit_head", Unit.code.not_like("%GAMBIR%"))
                    .order_by(RoleGrant.user_id)
                    .limit(1)
                )
            ).scalar_one()
        )


async def test_overdue_counts_per_unit_are_scoped_like_the_requests_they_count(demo: DemoApi) -> None:
    rid = await submit(demo)
    await tick_on(demo, dt.date(2026, 12, 9))
    async with demo.on(dt.date(2026, 12, 9)) as later:
        for persona in ("superior", "target_head", "bkd_verifier"):
            counts = (await later.ask(persona, COUNTS, unit="KEC-GAMBIR"))["overdueTaskCounts"]
            assert {"unitCode": "KEL-GAMBIR-02", "overdue": 1, "escalated": 1} in counts, (persona, counts)
        stranger = await other_units_head(later)
        assert (await later.ask(stranger, COUNTS, unit="KEC-GAMBIR"))["overdueTaskCounts"] == []
        anonymous = await later.query(COUNTS, {"unit": "KEC-GAMBIR"})
        assert anonymous["overdueTaskCounts"] == []
        unknown = await later.post(COUNTS, {"unit": "NO-SUCH"}, as_user=later.uid("superior"))
        assert "unitCode: no unit has code 'NO-SUCH'" in unknown.json()["errors"][0]["message"]
    async with demo.on(DUE) as before:  # on its due date it is not overdue yet
        counts = (await before.ask("superior", COUNTS, unit="KEL-GAMBIR-02"))["overdueTaskCounts"]
        assert all(c["unitCode"] != "KEL-GAMBIR-02" for c in counts)
    assert rid


async def test_a_task_whose_escalation_fails_is_audited_and_the_others_are_still_escalated(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = await proposed(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=dt.date(2027, 2, 1),
    )
    good = await submit(demo)
    act_on = escalation.act_on

    async def failing(db: Any, task: escalation.Overdue, day: dt.date) -> tuple[bool, bool]:
        if str(task.request_id) == bad:
            raise RuntimeError("the unit tree is being rebuilt")
        return await act_on(db, task, day)

    monkeypatch.setattr(escalation, "act_on", failing)
    report = await run_tick(demo.db, today=dt.date(2027, 1, 5))
    assert [(str(rid), message) for rid, message in report.failed] == [
        (bad, f"task {report.failed[0][1].split()[1]} RuntimeError: the unit tree is being rebuilt")
    ]
    assert report.summary().startswith(f"applied 0, failed 1, reminded 1, escalated 1: request {bad}: task ")
    assert [e["requestId"] for e in await audit_events(demo, action="task.escalation_failed")] == [bad]
    assert [a for a, _ in await deadline_events(demo, good)] == ["task.reminded", "task.escalated"]
    monkeypatch.setattr(escalation, "act_on", act_on)
    report = await run_tick(demo.db, today=dt.date(2027, 1, 5))  # the next run takes the one that failed
    assert (report.failed, report.reminded, report.escalated) == ([], 1, 1)
    assert [a for a, _ in await deadline_events(demo, good)] == ["task.reminded", "task.escalated"]
