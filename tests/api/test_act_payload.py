"""``act`` answers from the request it stored when the payload asks only what the request's row says
(``act { request { id state version } }``, what an approver's tool asks): nothing is read back after the commit,
and the answer is the one a read of the request gives. A payload asking more (open tasks, history, the
subject) is read after the commit as before.

The whole ``act`` request is counted in SQL statements (the viewer loaded on every request, so the count does
not depend on the viewer cache): a regression in the write path's cost, or a read-back coming back, fails here.
"""

from __future__ import annotations

from typing import Any

from tests.api.helpers import TMT, DemoApi, act, propose
from tests.api.test_action_preview import counted
from tests.workflows.test_statement_count import summary

TARGET = "KEL-GAMBIR-01-PLK2"  # a pelaksana post in the employee's own kelurahan with a free seat
ROW = "__typename id kind state version terminal effectiveDate createdAt updatedAt proposedBy definitionVersion reason ruleVersions"
ACT_ROW = f"mutation($input: ActInput!) {{ act(input: $input) {{ request {{ {ROW} }} errors {{ code message }} }} }}"
READ_ROW = f"query($id: ID!) {{ request(id: $id) {{ {ROW} }} }}"
ACT_MORE = (
    "mutation($input: ActInput!) { act(input: $input) { request { id state version openTasks { step role } "
    "history { action toState } } errors { code } } }"
)


async def placement(api: DemoApi) -> str:
    payload = await propose(
        api, "unit_head", "proposePlacement", employeeNip=api.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )
    assert payload["errors"] == [], payload["errors"]
    return str(payload["request"]["id"])


async def verify(api: DemoApi, query: str, rid: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ask("bkd_verifier", query, input={"requestId": rid, "action": "verify"}))[
        "act"
    ]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_act_answers_from_the_stored_row_what_a_read_of_the_request_answers(demo: DemoApi) -> None:
    rid = await placement(demo)
    answered = (await verify(demo, ACT_ROW, rid))["request"]
    read = (await demo.ask("bkd_verifier", READ_ROW, id=rid))["request"]
    assert answered == read
    assert (answered["state"], answered["version"]) == ("verified", 2)


async def test_an_act_that_takes_the_next_step_by_itself_answers_where_the_request_ended_as_read(
    demo: DemoApi,
) -> None:
    """A decree issued on its effective date takes effect in the same act (the scheduler's step, ``advance``):
    the row answered is the one both saves left."""
    rid = await placement(demo)
    for persona, action in [("bkd_verifier", "verify"), ("board_member", "recommend"), ("pyb", "decide")]:
        assert (await act(demo, persona, rid, action))["errors"] == []
    async with demo.on(TMT) as later:
        decree = {"requestId": rid, "action": "issue_decree", "data": {"decreeNo": "SK-9/2026"}}
        payload = (await later.ask("bkd_official", ACT_ROW, input=decree))["act"]
        read = (await later.ask("bkd_official", READ_ROW, id=rid))["request"]
    assert payload["errors"] == [] and payload["request"] == read
    assert (read["state"], read["terminal"]) == ("effective", True)


async def test_a_payload_asking_more_than_the_row_is_read_after_the_commit(demo: DemoApi) -> None:
    rid = await placement(demo)
    answered = (await verify(demo, ACT_MORE, rid))["request"]
    assert (answered["state"], answered["version"]) == ("verified", 2)
    assert [t["step"] for t in answered["openTasks"]] == ["verified"]
    assert [e["action"] for e in answered["history"]][-1] == "request.verify"


# The statements of one ``act`` request asking the row only, in order: the viewer (token -> user, grants,
# delegations: ``policies.viewer.load_viewer``), then the command (tests/workflows/test_statement_count.py
# says what each is), and nothing after it.
_VIEWER = ["SELECT users", "SELECT role_grants"]
_READ = ["SELECT workflow_requests", "SELECT assignments"]
EXPECTED = {
    False: [*_VIEWER, *_READ, "WITH"],
    True: [  # each transaction starts with BEGIN on SQLite (the command's is BEGIN IMMEDIATE)
        "BEGIN",
        *_VIEWER,
        "BEGIN",
        *_READ,
        "UPDATE workflow_requests",
        "INSERT request_approvals",
        "UPDATE tasks",
        "INSERT tasks",
        "SELECT audit_head",
        "INSERT audit_events",
        "UPDATE audit_head",
    ],
}


async def test_an_act_asking_the_row_runs_a_fixed_list_of_statements_and_reads_nothing_back(demo: DemoApi) -> None:
    rid = await placement(demo)
    async with demo.uncached() as api:
        with counted(api) as statements:
            await verify(api, ACT_ROW, rid)
    assert summary(statements) == EXPECTED[demo.db.is_sqlite], "\n".join(statements)
