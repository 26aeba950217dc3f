"""One request rule: whatever a viewer can open by id, their list shows, and act and explain agree.

Before round 2 the origin head of a transfer could open it with ``request(id)`` while the ``requests``
list omitted it, because the two asked different questions. Now both (and ``act``, ``explain``,
``availableActions``) use ``policies.read.request_clause``.
"""

from __future__ import annotations

from typing import Any

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import REQUESTS, TMT, DemoApi, act, codes, grant_role, proposed
from tests.security.readrule_helpers import answer, outsider

OPEN = "query($id: ID!) { request(id: $id) { id availableActions { action allowed } } }"
EXPLAIN = 'query($id: ID!) { explain(action: "release", requestId: $id) { allowed reasons } }'
PERSONAS = [
    "employee", "unit_head", "target_head", "superior", "unit_hr", "bkd_verifier",
    "bkd_official", "board_member", "pyb", "ppk", "auditor", "admin", "stranger_head", None,
]  # fmt: skip


async def _listed(api: DemoApi, persona: str | None) -> set[str]:
    body = await answer(api, persona, REQUESTS, filter={})
    return {e["node"]["id"] for e in body["data"]["requests"]["edges"]}


async def _opens(api: DemoApi, persona: str | None, rid: str) -> bool:
    return (await answer(api, persona, OPEN, id=rid))["data"]["request"] is not None


async def _setup(demo: DemoApi) -> dict[str, Any]:
    """A transfer proposed by the target head, a rank promotion of a colleague, and a stranger head elsewhere."""
    demo.people["stranger_head"] = await outsider(demo.db, "KEC-PENJARINGAN")
    await grant_role(demo, "stranger_head", "unit_head", "KEC-PENJARINGAN")
    transfer = await proposed(
        demo,
        "target_head",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    colleague = await outsider(demo.db, "KEL-GAMBIR-01", besides={demo.uid("employee")})
    promotion = await proposed(demo, "bkd_official", "proposeRankPromotion", employeeNip=colleague, effectiveDate=TMT)
    return {"transfer": transfer, "promotion": promotion}


async def test_the_origin_head_finds_a_transfer_in_the_list_as_well_as_by_id(demo: DemoApi) -> None:
    rid = (await _setup(demo))["transfer"]
    assert await _opens(demo, "unit_head", rid)
    assert rid in await _listed(demo, "unit_head")


async def test_every_persona_lists_exactly_the_requests_it_can_open(demo: DemoApi) -> None:
    made = await _setup(demo)
    for persona in PERSONAS:
        listed = await _listed(demo, persona)
        opened = {rid for rid in made.values() if await _opens(demo, persona, rid)}
        assert listed & set(made.values()) == opened, persona
    assert not await _listed(demo, None) and not await _listed(demo, "stranger_head")


async def test_act_and_explain_on_an_unreadable_request_read_as_a_missing_one(demo: DemoApi) -> None:
    rid = (await _setup(demo))["transfer"]
    for persona in ("stranger_head", "employee_of_nowhere"):
        refused = await act(demo, persona, rid, "release", comment="let go")
        missing = await act(demo, persona, "999999", "release", comment="let go")
        assert codes(refused) == codes(missing) == ["NOT_FOUND"]
        assert refused["errors"][0]["message"].replace(rid, "N") == missing["errors"][0]["message"].replace(
            "999999", "N"
        )
        explained = (await answer(demo, persona, EXPLAIN, id=rid))["data"]["explain"]
        assert explained == {"allowed": False, "reasons": [f"request {rid} does not exist"]}


async def test_an_employee_opens_no_request_about_a_colleague(demo: DemoApi) -> None:
    rid = (await _setup(demo))["promotion"]
    assert not await _opens(demo, "employee", rid)
    assert rid not in await _listed(demo, "employee")
    tasks = await answer(demo, "employee", "{ myTasks(first: 100) { edges { node { request { id } } } } }")
    assert rid not in {e["node"]["request"]["id"] for e in tasks["data"]["myTasks"]["edges"]}


async def test_anonymous_reads_no_request_task_or_person(demo: DemoApi) -> None:
    made = await _setup(demo)
    body = await answer(
        demo,
        None,
        """query($id: ID!) { request(id: $id) { id subject { nip name } }
          requests(first: 100) { edges { node { subject { nip name } } } }
          myTasks(first: 100) { edges { node { request { subject { nip name } } } } }
          positions(first: 100) { edges { node { holders { nip name } } } } }""",
        id=made["transfer"],
    )
    data = body["data"]
    assert data["request"] is None and data["requests"]["edges"] == [] and data["myTasks"]["edges"] == []
    assert all(e["node"]["holders"] == [] for e in data["positions"]["edges"])
    assert demo.uid("employee") not in str(body)
