"""One JSON access line per HTTP request: method, path, status, milliseconds, the correlation id the response
carries, and the user id when a token named one; requests refused before they run are logged too."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import structlog

from schema.app import create_app
from server.db import Database
from server.logs import configure_structlog
from tests.schema.conftest import Api, make_settings


class Out(io.BytesIO):
    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.getvalue().splitlines()]


@pytest.fixture
def out() -> Iterator[Out]:
    stream = Out()
    configure_structlog("INFO", stream)
    yield stream
    structlog.reset_defaults()


@pytest.fixture
async def logged(db: Database, db_url: str, out: Out) -> AsyncIterator[Api]:
    settings = make_settings(db_url, access_log=True)
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, db)


async def test_an_authenticated_query_gets_one_line_with_its_user_and_correlation_id(logged: Api, out: Out) -> None:
    response = await logged.post("{ __typename }", as_user="198001012005011001")
    assert response.status_code == 200
    [line] = out.lines()
    assert line["method"] == "POST" and line["path"] == "/graphql" and line["status"] == 200
    assert line["user_id"] == "198001012005011001"
    assert line["request_id"] == response.headers["x-request-id"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["message"] == "POST /graphql 200" and line["logger"] == "asnflow.access" and line["level"] == "info"


async def test_an_anonymous_request_has_no_user_and_a_client_id_is_kept_beside_the_servers(
    logged: Api, out: Out
) -> None:
    response = await logged.client.get("/healthz", headers={"X-Request-Id": "mine-1"})
    [line] = out.lines()
    assert line["status"] == 200 and line["path"] == "/healthz" and line["user_id"] is None
    assert line["client_request_id"] == "mine-1" and line["request_id"] == response.headers["x-request-id"]


async def test_a_request_refused_before_it_runs_is_logged_with_its_status(logged: Api, out: Out) -> None:
    response = await logged.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert [(line["status"], line["user_id"]) for line in out.lines()] == [(401, None)]


async def test_no_line_below_the_configured_level(logged: Api, out: Out) -> None:
    configure_structlog("WARNING", out)
    await logged.post("{ __typename }")
    assert out.lines() == []


async def test_no_line_when_the_access_log_is_off(api: Api, out: Out) -> None:
    await api.post("{ __typename }")
    assert out.lines() == []
