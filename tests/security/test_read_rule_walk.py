"""Generated: every path by which the schema reaches a person, for every relation, on three days.

The schema is introspected for each field path from a root to an ``Employee`` (readrule_walk.py); every
root is asked with all its paths at once, as each persona (self, supervisor, own unit, sub-unit, other
unit, unrelated, province-wide roles, no employee record, anonymous), with every ``asOf`` set to a past
day, today and a future day. Each person in each answer must come as a file exactly where the rule
(computed in the test, from the rule's words) allows, and as a card everywhere else; non-null file
fields of a card must be refused, never answered. The same for requests: the list, ``request(id)`` and
``myTasks`` show exactly the requests the rule allows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from schema.app import create_app
from schema.schema import schema
from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, act, drive, grant_role, proposed
from tests.schema.conftest import Api
from tests.security.readrule_helpers import add_future_holding, former_holder, outsider
from tests.security.readrule_walk import (
    SAFE_LEAVES,
    STRICT_LEAVES,
    Expected,
    Tree,
    dated_fields,
    employee_paths,
    employees_in,
)

PAST, FUTURE = dt.date(2016, 1, 1), dt.date(2027, 6, 1)
PERSONAS = [
    "employee",  # self
    "unit_head",  # the employee's supervisor, head of their unit
    "superior",  # head of the parent unit: KEL-GAMBIR-01 and -02 are its sub-units
    "target_head",  # another unit's head
    "unit_hr",
    "bkd_verifier",
    "board_member",
    "ppk",  # province-wide, no employee record
    "auditor",
    "admin",
    "stranger_head",  # a head granted in an unrelated district (factory-made grant)
    "colleague",  # an ordinary employee in the same unit
    None,  # anonymous
]
ROOT_ARGS = {
    "employee": ["nip"],
    "position": ["code"],
    "request": ["id"],
}
LIST_ARGS = {
    "positions": '(first: 8, filter: {unitCode: "KEL-GAMBIR-01"})',
    "employees": "(first: 8)",
    "requests": "(first: 10)",
    "myTasks": "(first: 10)",
    "rankPromotionCandidates": '(period: "2026-12-01", first: 5)',
    "trainingShortfall": "(year: 2025, first: 8)",
    "dueForRotation": "(first: 8)",
    "talentPool": "(year: 2025, first: 8)",
}


@pytest.fixture
async def roomy(demo: DemoApi) -> AsyncIterator[Api]:
    """The demo API with room for a whole root's walk in one document (the read rule is under test, not limits)."""
    settings = replace(demo.settings, max_tokens=50_000, max_query_depth=30, max_aliases=500, max_query_cost=10_000_000)
    app = create_app(settings, demo.db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, demo.db)


async def _world(demo: DemoApi) -> dict[str, Any]:
    """Requests in every stage the rule distinguishes, a former and a future holder, a stranger head."""
    me = demo.uid("employee")
    colleague = await outsider(demo.db, "KEL-GAMBIR-01", besides={me})
    demo.people["colleague"] = colleague
    demo.people["stranger_head"] = await outsider(demo.db, "KEC-PENJARINGAN")
    await grant_role(demo, "stranger_head", "unit_head", "KEC-PENJARINGAN")
    former = await former_holder(demo.db, EMPLOYEE_POSITION, PAST, demo.today, not_under="KEL-GAMBIR-01")
    future = await outsider(demo.db, "KEL-GAMBIR-02")
    await add_future_holding(demo.db, future, EMPLOYEE_POSITION, FUTURE)
    released = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=me,
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    await drive(demo, released, "unit_head", "release")  # the target head now holds the accept task
    withdrawn = await proposed(
        demo, "target_head", "proposeTransfer", employeeNip=colleague, targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT, idempotencyKey="walk-withdrawn",
    )  # fmt: skip
    assert (await act(demo, "target_head", withdrawn, "withdraw", comment="changed my mind"))["errors"] == []
    promotion = await proposed(demo, "bkd_official", "proposeRankPromotion", employeeNip=colleague, effectiveDate=TMT)
    return {
        "nip": [me, colleague, former, future],
        "code": [EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION, "KEL-GAMBIR-01-JF1"],
        "id": [released, withdrawn, promotion],
    }


def _documents(leaves: str, world: dict[str, Any]) -> dict[str, str]:
    """One document per root invocation, holding every path of that root, with ``$on`` for every asOf."""
    trees: dict[str, Tree] = defaultdict(Tree)
    for path in employee_paths(schema._schema):
        trees[path[0].split(".")[1]].add(path[1:])
    docs: dict[str, str] = {}
    nested = dated_fields(schema._schema)
    for root, tree in trees.items():
        body = tree.render(nested, leaves)
        if root in ROOT_ARGS:
            (arg,) = ROOT_ARGS[root]
            for value in world[arg]:
                docs[f"{root}({value})"] = f'query($on: Date) {{ {root}({arg}: "{value}") {{ {body} }} }}'
        else:
            docs[root] = f"query($on: Date) {{ {root}{LIST_ARGS.get(root, '')} {{ {body} }} }}"
    return docs


async def _post(api: Api, demo: DemoApi, persona: str | None, doc: str, on: dt.date | None) -> dict[str, Any]:
    response = await api.post(
        doc, {"on": on.isoformat() if on else None}, as_user=demo.uid(persona) if persona else None
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_every_path_to_a_person_gives_the_file_only_where_the_rule_allows(demo: DemoApi, roomy: Api) -> None:
    world = await _world(demo)
    rule = await Expected().load(demo.db, demo.today)
    safe, strict = _documents(SAFE_LEAVES, world), _documents(STRICT_LEAVES, world)
    seen: dict[str, int] = defaultdict(int)
    for persona in PERSONAS:
        viewer = rule.who(demo.uid(persona) if persona else None)
        for on in (PAST, None, FUTURE):
            for name, doc in safe.items():
                body = await _post(roomy, demo, persona, doc, on)
                assert "errors" not in body, (persona, on, name, body.get("errors"))
                people = employees_in(body["data"])
                if persona is None:
                    assert people == [], (name, "anonymous reached a person")
                for person in people:
                    allowed = rule.file(viewer, rule.id_of[person["nip"]])
                    where = (persona, on, name, person["nip"])
                    if allowed:
                        assert person["access"] == "FILE", where
                    else:
                        assert person["access"] == "CARD", where
                        assert person["rankSince"] is None and person["assignments"] == [], where
                        assert person["evaluations"] == [] and person["rankHistory"] == [], where
                    seen[person["access"]] += 1
                if not any(p["access"] == "CARD" for p in people):
                    continue  # every person here is a file the rule allows: nothing to refuse
                strict_body = await _post(roomy, demo, persona, strict[name], on)
                assert strict_body.get("errors"), (persona, on, name, "a card answered its file fields")
                for error in strict_body["errors"]:
                    assert error["extensions"]["code"] == "FORBIDDEN", (persona, name, error)
                for person in employees_in(strict_body.get("data")):
                    assert person["access"] == "FILE" and rule.file(viewer, rule.id_of[person["nip"]]), (persona, name)
    assert seen["FILE"] > 100 and seen["CARD"] > 10, seen  # the walk reached both kinds, so it proves something


REQUESTS = (
    "{ requests(first: 100) { edges { node { id } } } myTasks(first: 100) { edges { node { request { id } } } } }"
)
ONE = 'query($id: ID!) { request(id: $id) { id } explain(action: "accept", requestId: $id) { reasons } }'


async def test_every_persona_reads_exactly_the_requests_the_rule_allows(demo: DemoApi) -> None:
    await _world(demo)
    rule = await Expected().load(demo.db, demo.today)
    every = {str(r.id): r for r in rule.requests}
    for persona in PERSONAS:
        viewer = rule.who(demo.uid(persona) if persona else None)
        expected = {rid for rid, r in every.items() if rule.request(viewer, r)}
        body = await _post(demo, demo, persona, REQUESTS, None)
        listed = {e["node"]["id"] for e in body["data"]["requests"]["edges"]}
        tasks = {e["node"]["request"]["id"] for e in body["data"]["myTasks"]["edges"]}
        opened = set()
        for rid in every:
            one = await _post(demo, demo, persona, ONE, None) if False else await _one(demo, persona, rid)
            if one["request"] is not None:
                opened.add(rid)
            else:
                assert one["explain"]["reasons"] == [f"request {rid} does not exist"], (persona, rid)
        assert listed == opened == expected, (persona, listed, opened, expected)
        assert tasks <= expected, (persona, tasks - expected)


async def _one(demo: DemoApi, persona: str | None, rid: str) -> dict[str, Any]:
    response = await demo.post(ONE, {"id": rid}, as_user=demo.uid(persona) if persona else None)
    return response.json()["data"]  # type: ignore[no-any-return]
