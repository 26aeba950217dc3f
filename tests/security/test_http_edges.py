"""HTTP and execution edges: a request that is well formed by the protocol's rules gets a sentence, never a
500 or "Unexpected error." (issue 9, item 10).

Each case was reproduced first: a bare ``42`` body was a 500 with a stack trace; ``openTasks { request
{ subject } }`` asserted "subject was not prefetched"; a date literal ``"2024-02-30"`` raised a ValueError
the error mask hid; ``data`` nested 500 deep broke the idempotency hash (orjson's recursion limit); a
50 KB search was a LIKE pattern SQLite refuses, reported as "the database is unreachable".
"""

from __future__ import annotations

from typing import Any

import pytest

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, proposed

NESTED_REQUEST = """query($id: ID!) { request(id: $id) { id state
  openTasks { step unitCode request { id subject { nip name } openTasks { step request { id proposedBy } } } }
} }"""
MY_TASKS_NESTED = """{ myTasks(first: 50) { edges { node { id step
  request { id openTasks { unitCode request { id subject { nip } availableActions { action allowed } } } }
} } } }"""


def _search_query(root: str) -> str:
    leaf = "code" if root == "positions" else "nip"
    return f"query($s: String) {{ {root}(filter: {{search: $s}}, first: 5) {{ edges {{ node {{ {leaf} }} }} }} }}"


def _errors(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["message"] for e in response.json().get("errors", [])]


async def _transfer(demo: DemoApi) -> str:
    return await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )


@pytest.mark.parametrize(
    ("body", "got"), [(b"42", "not 42"), (b'"x"', "not a string"), (b"null", "not null"), (b"true", "not true")]
)
async def test_a_json_body_that_is_not_an_object_is_a_400_with_a_sentence(demo: DemoApi, body: bytes, got: str) -> None:
    response = await demo.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.text.startswith("the request must be a JSON object"), response.text
    assert response.text.endswith(got)


@pytest.mark.parametrize("body", [b"[]", b"[1]", b'[{"query": "{ __typename }"}]'])
async def test_a_json_array_is_a_400_because_batching_is_off(demo: DemoApi, body: bytes) -> None:
    response = await demo.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert "Batching is not enabled" in response.text


async def test_a_tasks_request_under_a_request_is_filled_for_its_own_selection(demo: DemoApi) -> None:
    rid = await _transfer(demo)
    for persona in ("admin", "unit_head", "employee"):
        response = await demo.post(NESTED_REQUEST, {"id": rid}, as_user=demo.uid(persona))
        assert _errors(response) == [], persona
        (task,) = response.json()["data"]["request"]["openTasks"]
        assert task["unitCode"] == "KEL-GAMBIR-01"
        assert task["request"]["subject"]["nip"] == demo.uid("employee")
        assert task["request"]["openTasks"][0]["request"]["proposedBy"] == demo.uid("employee")


async def test_my_tasks_with_nested_requests_answers_every_level(demo: DemoApi) -> None:
    await _transfer(demo)
    response = await demo.post(MY_TASKS_NESTED, as_user=demo.uid("unit_head"))
    assert _errors(response) == []
    (edge,) = response.json()["data"]["myTasks"]["edges"]
    (inner,) = edge["node"]["request"]["openTasks"]
    assert inner["unitCode"] == "KEL-GAMBIR-01"
    assert inner["request"]["subject"]["nip"] == demo.uid("employee")
    assert any(a["allowed"] for a in inner["request"]["availableActions"])


async def test_a_date_literal_that_is_not_a_date_is_named_in_the_error(demo: DemoApi) -> None:
    query = '{ position(code: "' + TRANSFER_TARGET_POSITION + '") { holders(asOf: "2024-02-30") { nip } } }'
    (message,) = _errors(await demo.post(query, as_user=demo.uid("admin")))
    assert message == "'2024-02-30' is not a date; write it as YYYY-MM-DD, e.g. 2025-10-01"


async def test_a_date_variable_that_is_not_a_date_is_named_in_the_error(demo: DemoApi) -> None:
    query = "query($c: String!, $d: Date) { position(code: $c) { holders(asOf: $d) { nip } } }"
    variables = {"c": TRANSFER_TARGET_POSITION, "d": "2024-02-30"}
    (message,) = _errors(await demo.post(query, variables, as_user=demo.uid("admin")))
    assert (
        message
        == "Variable '$d' has invalid value: '2024-02-30' is not a date; write it as YYYY-MM-DD, e.g. 2025-10-01"
    )


async def test_a_date_in_a_mutation_input_that_is_not_a_date_is_named_in_the_error(demo: DemoApi) -> None:
    mutation = """mutation($n: String!, $p: String!) { proposeTransfer(input: {employeeNip: $n,
      targetPositionCode: $p, effectiveDate: "2027-02-30"}) { errors { code } } }"""
    variables = {"n": demo.uid("employee"), "p": TRANSFER_TARGET_POSITION}
    (message,) = _errors(await demo.post(mutation, variables, as_user=demo.uid("employee")))
    assert "'2027-02-30' is not a date" in message


async def test_step_data_nested_500_deep_is_refused_by_name(demo: DemoApi) -> None:
    rid = await _transfer(demo)
    data: dict[str, Any] = {"answer": "MS"}
    for _ in range(500):
        data = {"answer": data}
    mutation = "mutation($i: ActInput!) { act(input: $i) { errors { code message } } }"
    response = await demo.post(
        mutation, {"i": {"requestId": rid, "action": "release", "data": data}}, as_user=demo.uid("unit_head")
    )
    assert _errors(response) == []  # one error channel: the shape of act's input is the payload's VALIDATION
    (error,) = response.json()["data"]["act"]["errors"]
    assert error["code"] == "VALIDATION" and error["message"].startswith("data: nested more than 8 levels deep")


@pytest.mark.parametrize("root", ["positions", "employees"])
async def test_a_50_kb_search_is_refused_as_too_long_not_as_an_unreachable_database(demo: DemoApi, root: str) -> None:
    response = await demo.post(_search_query(root), {"s": "a" * 50_000}, as_user=demo.uid("admin"))
    (message,) = _errors(response)
    assert message == "filter.search: 50000 characters is too long; search with at most 100 characters"


@pytest.mark.parametrize("root", ["positions", "employees"])
async def test_a_search_of_100_characters_still_runs(demo: DemoApi, root: str) -> None:
    data = await demo.ask("admin", _search_query(root), s="a" * 100)
    assert data[root]["edges"] == []
