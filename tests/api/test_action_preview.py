"""``availableActions`` and ``explain`` preview the guards: an action shown allowed does not then fail GUARD_FAILED.

``allowed`` is true only when the viewer may take the action *and* its guards would pass on the request's
effective date; otherwise ``blockedBy`` names the rules and ``reason`` says their sentences. A page of
requests is previewed in a constant number of SQL statements, whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from server.models import Assignment, Employee, FamilyRelation, Position, WorkflowRequest
from server.statements_seen import watching
from tests.api.helpers import (
    EXPLAIN,
    TMT,
    TODAY,
    DemoApi,
    act,
    codes,
    fields,
    fill_position,
    propose,
    request,
    set_predicate,
)
from workflows import catalog

TARGET = "KEL-GAMBIR-01-PLK2"  # a pelaksana post in the employee's own kelurahan with a free seat
OPTIONS = """query($id: ID!) { request(id: $id) { version availableActions { action allowed blockedBy reason } } }"""


async def placement(api: DemoApi) -> str:
    payload = await propose(
        api, "unit_head", "proposePlacement", employeeNip=api.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )
    assert payload["errors"] == [], payload["errors"]
    return str(payload["request"]["id"])


async def options(api: DemoApi, persona: str, rid: str) -> dict[str, dict[str, Any]]:
    found = (await api.ask(persona, OPTIONS, id=rid))["request"]
    return {o["action"]: o for o in found["availableActions"]}


async def test_verify_is_shown_blocked_by_the_guard_that_would_refuse_it_and_the_step_agrees(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Butuh Perbaikan")
    rid = await placement(demo)
    verify = (await options(demo, "bkd_verifier", rid))["verify"]
    assert (verify["allowed"], verify["blockedBy"]) == (False, ["predicate_last_two_years"])
    assert "2025: Butuh Perbaikan" in verify["reason"] and "performance.min_predicate/2019" in verify["reason"]
    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["predicate_last_two_years"])


async def test_an_eligible_request_shows_verify_allowed_with_nothing_blocking(demo: DemoApi) -> None:
    rid = await placement(demo)
    found = await options(demo, "bkd_verifier", rid)
    assert (found["verify"]["allowed"], found["verify"]["blockedBy"], found["verify"]["reason"]) == (True, [], None)
    assert (found["reject"]["allowed"], found["reject"]["blockedBy"]) == (True, [])  # a reject has no guards


async def test_a_viewer_without_the_right_sees_the_authorization_rule_not_the_guards(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Butuh Perbaikan")
    rid = await placement(demo)
    verify = (await options(demo, "unit_head", rid))["verify"]
    assert verify["allowed"] is False and verify["blockedBy"] == ["route"]
    assert "predicate" not in (verify["reason"] or ""), "guards are previewed only for someone who may act"


async def test_explain_refuses_with_the_guards_sentence(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Butuh Perbaikan")
    rid = await placement(demo)
    explained = (await demo.ask("bkd_verifier", EXPLAIN, action="verify", id=rid))["explain"]
    assert explained["allowed"] is False
    assert any("predicate_last_two_years" in r and "2025: Butuh Perbaikan" in r for r in explained["reasons"])
    assert (await demo.ask("bkd_verifier", EXPLAIN, action="reject", id=rid))["explain"]["allowed"] is True


async def test_explain_allows_an_eligible_step(demo: DemoApi) -> None:
    rid = await placement(demo)
    explained = (await demo.ask("bkd_verifier", EXPLAIN, action="verify", id=rid))["explain"]
    assert explained["allowed"] is True


async def test_a_full_slot_shows_decide_blocked_by_slot_vacant(demo: DemoApi) -> None:
    rid = await placement(demo)
    for persona, action in [("bkd_verifier", "verify"), ("board_member", "recommend")]:
        assert (await act(demo, persona, rid, action))["errors"] == []
    await fill_position(demo.db, TARGET, demo.uid("auditor"), dt.date(2026, 11, 1))  # the last seat goes meanwhile
    decide = (await options(demo, "pyb", rid))["decide"]
    assert (decide["allowed"], decide["blockedBy"]) == (False, ["slot_vacant"])
    assert (await request(demo, "pyb", rid)) is not None


# ---------------------------------------------------------------------------------------------- statement count

PAGE = """query($first: Int!) { requests(first: $first, filter: {terminal: false}) {
  edges { node { id kind availableActions { action allowed blockedBy reason } } }
} }"""


@contextmanager
def counted(api: DemoApi) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with watching(api.db.engine.sync_engine, record):  # also what goes to the driver (server.driver)
        yield statements


async def many_requests(api: DemoApi, n: int) -> None:
    """``n`` placements waiting for BKD's verification and ``n`` transfers waiting for it, alternating, each
    about a different employee with a declared relative (so every guard's facts, conflict of interest
    included, are read for every row)."""
    placement_def, transfer_def = catalog.current("PLACEMENT"), catalog.current("TRANSFER")
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    async with api.db.write() as s:
        people = (
            await s.execute(
                select(Employee.id, Assignment.position_id, Position.unit_id)
                .join(Assignment, Assignment.employee_id == Employee.id)
                .join(Position, Position.id == Assignment.position_id)
                .where(Assignment.end_date.is_(None), Assignment.kind == "definitive", Position.type == "PELAKSANA")
                .order_by(Employee.id)
                .limit(2 * n + 1)
            )
        ).all()
        for i, (who, post, unit) in enumerate(people[: 2 * n]):
            s.add(FamilyRelation(employee_id=who, relative_id=people[i + 1][0], kind="sibling", declared_on=now.date()))
            transfer = i % 2 == 1
            s.add(
                WorkflowRequest(
                    kind="TRANSFER" if transfer else "PLACEMENT",
                    state="accepted" if transfer else "proposed",
                    version=1,
                    terminal=False,
                    definition_version=(transfer_def if transfer else placement_def).version,
                    subject_employee_id=who,
                    unit_id=unit,
                    position_id=people[(i + 2) % (2 * n)][1],
                    origin_position_id=post if transfer else None,
                    origin_unit_id=unit if transfer else None,
                    effective_date=TMT,
                    proposed_by=api.uid("bkd_official"),
                    data={},
                    rule_versions={},
                    effects_applied=False,
                    created_at=now,
                    updated_at=now,
                )
            )


async def test_a_page_of_50_requests_costs_the_same_statements_as_a_page_of_10(demo: DemoApi) -> None:
    await many_requests(demo, 25)
    await demo.ask("bkd_verifier", PAGE, first=1)  # the viewer's first request loads what later ones reuse
    pages = {}
    for size in (10, 50):
        with counted(demo) as statements:
            data = await demo.ask("bkd_verifier", PAGE, first=size)
        edges = data["requests"]["edges"]
        assert len(edges) == size and {e["node"]["kind"] for e in edges} == {"PLACEMENT", "TRANSFER"}
        assert all(any(o["action"] == "verify" for o in e["node"]["availableActions"]) for e in edges)
        pages[size] = len(statements)
    assert pages[10] == pages[50], pages
    assert pages[50] <= 25, pages


async def test_without_allowed_blocked_by_or_reason_the_guards_are_not_previewed(demo: DemoApi) -> None:
    await many_requests(demo, 5)
    query = (
        "query { requests(first: 10, filter: {terminal: false}) { edges { node { availableActions { action } } } } }"
    )
    with counted(demo) as bare:
        await demo.ask("bkd_verifier", query)
    with counted(demo) as previewed:
        await demo.ask("bkd_verifier", PAGE, first=10)
    assert len(bare) < len(previewed)
    assert not any("family_relations" in s for s in bare)


# ---------------------------------------------------------------------------------------------- policy check


async def test_policy_check_on_a_request_step_considers_its_state_and_guards(demo: DemoApi) -> None:
    from policies import cli
    from workflows import policy_check  # noqa: F401  (the workflow layer's step check, as the asnflow command loads it)

    await set_predicate(demo.db, demo.uid("employee"), 2025, "Butuh Perbaikan")
    rid = await placement(demo)
    verifier = demo.uid("bkd_verifier")
    async with demo.db.read() as s:
        blocked = await cli.check(s, verifier, "verify", f"request:{rid}", TODAY)
        assert not blocked.allowed and "predicate_last_two_years" in blocked.reason
        assert (await cli.check(s, verifier, "reject", f"request:{rid}", TODAY)).allowed
        wrong_state = await cli.check(s, verifier, "decide", f"request:{rid}", TODAY)
        assert not wrong_state.allowed and "not an action of state proposed" in wrong_state.reason
        assert (await cli.check(s, verifier, "read", f"request:{rid}", TODAY)).allowed  # reading is the policy's


async def test_policy_check_allows_an_eligible_step(demo: DemoApi) -> None:
    from policies import cli
    from workflows import policy_check  # noqa: F401

    rid = await placement(demo)
    async with demo.db.read() as s:
        assert (await cli.check(s, demo.uid("bkd_verifier"), "verify", f"request:{rid}", TODAY)).allowed
        refused = await cli.check(s, demo.uid("employee"), "verify", f"request:{rid}", TODAY)
        assert not refused.allowed
