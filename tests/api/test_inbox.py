"""The inbox a frontend builds on: ``myTasks(filter:)`` with ``totalCount``, ``Task.overdue``, and tasks the
viewer may not take because of segregation of duties listed with ``blockedReason``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, grant_role, proposed, run
from tests.schema.conftest import StatementCounter

INBOX = """query($filter: TaskFilter, $first: Int) { myTasks(filter: $filter, first: $first) {
  totalCount
  edges { node { id step role unitCode dueAt overdue blockedReason request { id kind state } } }
} }"""


async def inbox(api: DemoApi, persona: str, first: int = 50, **flt: Any) -> dict[str, Any]:
    data = await api.ask(persona, INBOX, filter=flt or None, first=first)
    return data["myTasks"]  # type: ignore[no-any-return]


def request_ids(found: dict[str, Any]) -> list[str]:
    return [e["node"]["request"]["id"] for e in found["edges"]]


async def placement_by_official(api: DemoApi) -> str:
    """A placement the BKD official proposes: it waits for a BKD verifier (step ``proposed``)."""
    return await proposed(
        api,
        "bkd_official",
        "proposePlacement",
        employeeNip=api.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",  # a post in the employee's own unit: a placement, not a transfer
        effectiveDate=TMT,
    )


async def transfer_at_bkd(api: DemoApi) -> str:
    """The employee's transfer, released and accepted by both heads: it waits for a BKD verifier too."""
    rid = await proposed(
        api,
        "employee",
        "proposeTransfer",
        employeeNip=api.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert await run(api, rid, [("unit_head", "release"), ("target_head", "accept")]) == "accepted"
    return rid


async def test_my_tasks_filters_by_kind_and_state_and_counts_what_it_filters(demo: DemoApi) -> None:
    placement, transfer = await placement_by_official(demo), await transfer_at_bkd(demo)
    everything = await inbox(demo, "bkd_verifier")
    assert {placement, transfer} <= set(request_ids(everything))
    assert everything["totalCount"] == len(everything["edges"])

    transfers = await inbox(demo, "bkd_verifier", kind="TRANSFER")
    assert transfer in request_ids(transfers) and placement not in request_ids(transfers)
    assert {e["node"]["request"]["kind"] for e in transfers["edges"]} == {"TRANSFER"}
    assert transfers["totalCount"] == len(transfers["edges"])

    proposed_only = await inbox(demo, "bkd_verifier", state="proposed")
    assert placement in request_ids(proposed_only) and transfer not in request_ids(proposed_only)

    one = await inbox(demo, "bkd_verifier", first=1)
    assert len(one["edges"]) == 1 and one["totalCount"] == everything["totalCount"]


async def test_my_tasks_filters_by_the_tasks_unit(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    here = await inbox(demo, "unit_head", unitCode="KEL-GAMBIR-01")
    elsewhere = await inbox(demo, "unit_head", unitCode="KEL-GAMBIR-02")
    assert rid in request_ids(here) and rid not in request_ids(elsewhere)
    assert {e["node"]["unitCode"] for e in here["edges"]} == {"KEL-GAMBIR-01"}


async def test_a_task_is_overdue_once_its_due_time_has_passed_and_the_filter_agrees(demo: DemoApi) -> None:
    rid = await placement_by_official(demo)  # due in 5 days, at 23:59 in Jakarta
    [task] = [e["node"] for e in (await inbox(demo, "bkd_verifier"))["edges"] if e["node"]["request"]["id"] == rid]
    due = dt.datetime.fromisoformat(task["dueAt"])
    assert task["overdue"] is False
    assert rid in request_ids(await inbox(demo, "bkd_verifier", overdue=False))
    assert rid not in request_ids(await inbox(demo, "bkd_verifier", overdue=True))

    async with demo.on(due.date() + dt.timedelta(days=2)) as later:
        late = await inbox(later, "bkd_verifier", overdue=True)
        assert rid in request_ids(late)
        assert all(e["node"]["overdue"] for e in late["edges"])
        assert late["totalCount"] == len(late["edges"])
        assert rid not in request_ids(await inbox(later, "bkd_verifier", overdue=False))


async def test_due_before_keeps_the_tasks_due_before_that_moment(demo: DemoApi) -> None:
    rid = await placement_by_official(demo)
    [task] = [e["node"] for e in (await inbox(demo, "bkd_verifier"))["edges"] if e["node"]["request"]["id"] == rid]
    due = dt.datetime.fromisoformat(task["dueAt"])
    after_due = (due + dt.timedelta(minutes=1)).isoformat()
    at_due = due.isoformat()
    assert rid in request_ids(await inbox(demo, "bkd_verifier", dueBefore=after_due))
    assert rid not in request_ids(await inbox(demo, "bkd_verifier", dueBefore=at_due))


async def test_a_task_the_proposer_may_not_take_is_listed_with_the_segregation_rule(demo: DemoApi) -> None:
    """The BKD official who proposed a placement, once also a verifier, sees its verify task but may not take it."""
    rid = await placement_by_official(demo)
    await grant_role(demo, "bkd_official", "bkd_verifier")
    [mine] = [e["node"] for e in (await inbox(demo, "bkd_official"))["edges"] if e["node"]["request"]["id"] == rid]
    assert "proposer does not approve their own proposal" in mine["blockedReason"]
    [theirs] = [e["node"] for e in (await inbox(demo, "bkd_verifier"))["edges"] if e["node"]["request"]["id"] == rid]
    assert theirs["blockedReason"] is None


async def test_blocked_reasons_cost_the_same_statements_for_one_task_or_a_page(demo: DemoApi) -> None:
    await placement_by_official(demo)
    await transfer_at_bkd(demo)
    counts = []
    async with demo.uncached() as api:  # the viewer loaded on every request: in both counts, always
        await inbox(api, "bkd_verifier")  # one-time loading outside the count
        for first in (1, 2):
            with StatementCounter(api.db) as counter:
                found = await inbox(api, "bkd_verifier", first=first)
            assert len(found["edges"]) == first
            counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_a_filter_value_no_state_can_have_is_refused_in_a_sentence(demo: DemoApi) -> None:
    response = await demo.post(INBOX, {"filter": {"state": "x" * 500}}, as_user=demo.uid("bkd_verifier"))
    assert response.json()["errors"][0]["message"].startswith("filter.state: 500 characters")
