"""``node(id:)`` reads through the same rule as each type's root field: never a way round it.

For every type that implements ``Node`` the test asks the root field and ``node`` the same question as
an insider, as an outsider (signed in, no grants and no relation: ``OUTSIDER``) and for a key that does
not exist, and expects the same answer each time; an outsider and a missing key both read null where
the root field reads null. Registry objects (units, positions) are public, so an outsider reads them
through both alike.
"""

from __future__ import annotations

from typing import Any

from schema.types.node import global_id
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, proposed

OUTSIDER = "nobody-in-particular"
NODE = "query($id: ID!) { node(id: $id) { __typename nodeId ... on %s { %s } } }"


async def _transfer(demo: DemoApi) -> str:
    return await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )


async def _node(demo: DemoApi, persona: str | None, type_name: str, key: str, fields: str) -> dict[str, Any] | None:
    query = NODE % (type_name, fields)
    variables = {"id": global_id(type_name, key)}
    data = await (demo.query(query, variables) if persona is None else demo.ask(persona, query, **variables))
    node: dict[str, Any] | None = data["node"]
    if node is not None:
        assert node.pop("__typename") == type_name
        assert node.pop("nodeId") == global_id(type_name, key)
    return node


async def _root(demo: DemoApi, persona: str | None, query: str, **variables: Any) -> dict[str, Any] | None:
    data = await (demo.query(query, variables) if persona is None else demo.ask(persona, query, **variables))
    [value] = data.values()
    return value  # type: ignore[no-any-return]


async def test_a_request_reads_by_node_exactly_as_by_request(demo: DemoApi) -> None:
    rid = await _transfer(demo)
    fields = "id state subject { nip } openTasks { step }"
    root = f"query($id: ID!) {{ request(id: $id) {{ {fields} }} }}"
    for persona in ("employee", "unit_head", "auditor", OUTSIDER, None):
        for key in (rid, "999999"):
            expected = await _root(demo, persona, root, id=key)
            assert await _node(demo, persona, "WorkflowRequest", key, fields) == expected, (persona, key)
    assert await _node(demo, "unit_head", "WorkflowRequest", rid, "id") == {"id": rid}
    assert await _node(demo, OUTSIDER, "WorkflowRequest", rid, "id") is None


async def test_a_task_reads_when_its_request_does_and_never_for_an_outsider(demo: DemoApi) -> None:
    rid = await _transfer(demo)
    request = await _root(demo, "unit_head", "query($id: ID!) { request(id: $id) { openTasks { id step } } }", id=rid)
    assert request is not None
    [task] = request["openTasks"]
    fields = "id step request { id }"
    assert await _node(demo, "unit_head", "Task", task["id"], fields) == {
        "id": task["id"],
        "step": task["step"],
        "request": {"id": rid},
    }
    assert await _node(demo, OUTSIDER, "Task", task["id"], fields) is None
    assert await _node(demo, None, "Task", task["id"], fields) is None
    assert await _node(demo, "unit_head", "Task", "999999", fields) is None


async def test_an_employee_reads_by_node_exactly_as_by_employee(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    fields = "nip name unit { code }"
    root = f"query($nip: String!) {{ employee(nip: $nip) {{ {fields} }} }}"
    for persona in ("employee", "unit_head", "auditor", "target_head", OUTSIDER, None):
        for key in (nip, "199001012020121001"):
            expected = await _root(demo, persona, root, nip=key)
            assert await _node(demo, persona, "Employee", key, fields) == expected, (persona, key)
    assert await _node(demo, "unit_head", "Employee", nip, "nip") == {"nip": nip}
    assert await _node(demo, OUTSIDER, "Employee", nip, "nip") is None


async def test_a_position_reads_by_node_exactly_as_by_position(demo: DemoApi) -> None:
    fields = "code title unit { code } vacancies"
    root = f"query($code: String!) {{ position(code: $code) {{ {fields} }} }}"
    for persona in ("unit_head", OUTSIDER, None):
        for key in (TRANSFER_TARGET_POSITION, "NO-SUCH-POSITION"):
            expected = await _root(demo, persona, root, code=key)
            assert await _node(demo, persona, "Position", key, fields) == expected, (persona, key)
    assert await _node(demo, OUTSIDER, "Position", "NO-SUCH-POSITION", fields) is None


async def test_a_unit_reads_by_node_exactly_as_by_unit(demo: DemoApi) -> None:
    fields = "code name parent { code }"
    root = f"query($code: String!) {{ unit(code: $code) {{ {fields} }} }}"
    for persona in ("unit_head", OUTSIDER, None):
        for key in ("KEL-GAMBIR-01", "NO-SUCH-UNIT"):
            expected = await _root(demo, persona, root, code=key)
            assert await _node(demo, persona, "Unit", key, fields) == expected, (persona, key)
    assert (await _node(demo, OUTSIDER, "Unit", "KEL-GAMBIR-01", "code")) == {"code": "KEL-GAMBIR-01"}


async def test_an_audit_event_reads_for_auditors_and_its_own_person_only(demo: DemoApi) -> None:
    rid = await _transfer(demo)
    trail = await demo.ask(
        "auditor", "query($id: ID!) { auditEvents(filter: {requestId: $id}) { edges { node { seq actor } } } }", id=rid
    )
    event = trail["auditEvents"]["edges"][0]["node"]
    seq = str(event["seq"])
    assert await _node(demo, "auditor", "AuditEvent", seq, "seq actor") == event
    assert await _node(demo, "employee", "AuditEvent", seq, "seq") == {"seq": event["seq"]}  # their own trail
    assert await _node(demo, OUTSIDER, "AuditEvent", seq, "seq") is None
    assert await _node(demo, None, "AuditEvent", seq, "seq") is None
    assert await _node(demo, "auditor", "AuditEvent", "99999999", "seq") is None


async def test_a_malformed_global_id_is_an_error_that_shows_a_good_one(demo: DemoApi) -> None:
    example = global_id("WorkflowRequest", "12")
    for bad, says in [("12", example), ("!!!", example), (global_id("Secret", "1"), "global ids name one of")]:
        response = await demo.post("query($id: ID!) { node(id: $id) { nodeId } }", {"id": bad}, as_user="auditor")
        message = response.json()["errors"][0]["message"]
        assert message.startswith(f"id: {bad!r}") and says in message, message
