"""One JSON access line per HTTP request: method, path, status, milliseconds, the correlation id the response
carries, and the user id when a token named one; requests refused before they run are logged too."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from server.logs import JsonFormatter
from tests.schema.conftest import Api

ACCESS = logging.getLogger("asnflow.access")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access() -> Iterator[Lines]:
    lines, level = Lines(), ACCESS.level
    ACCESS.addHandler(lines)
    ACCESS.setLevel(logging.INFO)
    yield lines
    ACCESS.removeHandler(lines)
    ACCESS.setLevel(level)


async def test_an_authenticated_query_gets_one_line_with_its_user_and_correlation_id(api: Api, access: Lines) -> None:
    response = await api.post("{ __typename }", as_user="198001012005011001")
    assert response.status_code == 200
    [line] = access.lines
    assert line["method"] == "POST" and line["path"] == "/graphql" and line["status"] == 200
    assert line["user_id"] == "198001012005011001"
    assert line["request_id"] == response.headers["x-request-id"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"] == "POST /graphql 200" and line["logger"] == "asnflow.access"


async def test_an_anonymous_request_has_no_user_and_a_client_id_is_kept_beside_the_servers(
    api: Api, access: Lines
) -> None:
    response = await api.client.get("/healthz", headers={"X-Request-Id": "mine-1"})
    [line] = access.lines
    assert line["status"] == 200 and line["path"] == "/healthz" and line["user_id"] is None
    assert line["client_request_id"] == "mine-1" and line["request_id"] == response.headers["x-request-id"]


async def test_a_request_refused_before_it_runs_is_logged_with_its_status(api: Api, access: Lines) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert [(line["status"], line["user_id"]) for line in access.lines] == [(401, None)]


async def test_no_line_when_the_access_logger_is_off(api: Api, access: Lines) -> None:
    ACCESS.setLevel(logging.WARNING)
    await api.post("{ __typename }")
    assert access.lines == []
