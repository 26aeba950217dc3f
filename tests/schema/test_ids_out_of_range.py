"""Ids and cursors that no row can have read as "not found" or a clear input error, never a database error.

PostgreSQL refuses to bind 2**31 to an ``int4`` column or a string to an integer one; the fuzz test found
``request(id: "<20 digits>")`` answering "Unexpected error." there.
"""

from __future__ import annotations

import base64

import orjson
import pytest

from server.seed import persona_user_ids
from tests.schema.conftest import Api

TOO_BIG = str(2**31)
HUGE = "9" * 30


@pytest.mark.parametrize("request_id", [TOO_BIG, HUGE, str(2**63), "-1", "1e3", "٣"])
async def test_a_request_id_no_row_can_have_reads_as_not_found(demo_api: Api, request_id: str) -> None:
    data = await demo_api.query("query($id: ID!) { request(id: $id) { id } }", {"id": request_id}, as_user="admin")
    assert data == {"request": None}


@pytest.mark.parametrize("request_id", [TOO_BIG, HUGE])
async def test_explain_and_act_on_an_impossible_request_id_are_answered_cleanly(demo_api: Api, request_id: str) -> None:
    response = await demo_api.post(
        'query($id: ID!) { explain(action: "verify", requestId: $id) { allowed reasons } }',
        {"id": request_id},
        as_user="admin",
    )
    assert response.status_code == 200
    assert "Unexpected error." not in response.text
    act = await demo_api.post(
        'mutation($id: ID!) { act(input: {requestId: $id, action: "verify"}) { errors { code message } } }',
        {"id": request_id},
        as_user="admin",
    )
    assert "Unexpected error." not in act.text
    assert f"requestId: {request_id!r} is not a request id" in act.text, act.text


@pytest.mark.parametrize("value", ["x", 2**40, 1.5, True, None])
async def test_a_forged_cursor_of_the_wrong_type_is_refused_as_bad_input(demo_api: Api, value: object) -> None:
    cursor = base64.urlsafe_b64encode(orjson.dumps([value])).decode().rstrip("=")
    response = await demo_api.post(
        "query($after: String) { requests(first: 2, after: $after) { edges { node { id } } } }",
        {"after": cursor},
        as_user="admin",
    )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert cursor in body["errors"][0]["message"]


async def test_an_audit_filter_with_an_impossible_request_id_names_the_field(demo_api: Api) -> None:
    response = await demo_api.post(
        "query($id: ID) { auditEvents(filter: {requestId: $id}) { edges { node { seq } } } }",
        {"id": HUGE},
        as_user=(await persona_user_ids(demo_api.db))["auditor"],
    )
    body = response.json()
    assert body["errors"][0]["message"] == f"filter.requestId: {HUGE!r} is not a request id"
