"""The service's promises: health, tokens, limits, masked errors and production mode."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from schema.app import create_app
from server.db import Database
from server.settings import ConfigurationError
from tests.schema.conftest import Api, make_settings


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    assert (await api.client.get("/readyz")).json() == {"status": "ready"}


async def test_readiness_fails_when_the_database_is_unreachable(db_url: str) -> None:
    settings = make_settings("sqlite:////nonexistent-dir/x.db")
    app = create_app(settings)
    before = set(threading.enumerate())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    # aiosqlite closes a connection that failed to open from its worker thread without waiting for it; the
    # worker then answers on this test's event loop. Unwaited, it could answer after the loop is closed
    # ("Event loop is closed", reported in whichever test runs next).
    for worker in set(threading.enumerate()) - before:
        if worker.name.endswith("(_connection_worker_thread)"):
            await asyncio.to_thread(worker.join, 10)


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Basic abc", "Bearer "])
async def test_a_bad_token_is_answered_401(api: Api, header: str) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ viewer { userId } }"}, headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]


async def test_an_expired_token_is_answered_401_and_says_so(api: Api) -> None:
    from server.auth import issue_token

    token = issue_token(api.settings, "admin", ttl_seconds=-10)
    response = await api.client.post(
        "/graphql", json={"query": "{ viewer { userId } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401 and "expired" in response.json()["errors"][0]["message"]


async def test_a_good_token_names_the_viewer(api: Api) -> None:
    assert (await api.query("{ viewer { userId } }", as_user="someone"))["viewer"]["userId"] == "someone"


async def test_a_too_deep_query_is_refused(api: Api) -> None:
    deep = '{ unit(code: "X") { ' + "parent { " * 14 + "code" + " }" * 14 + " } }"
    body = (await api.post(deep)).json()
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_an_alias_flood_is_refused(api: Api) -> None:
    flood = "{ " + " ".join(f"a{i}: viewer {{ userId }}" for i in range(40)) + " }"
    body = (await api.post(flood)).json()
    assert "aliases found" in body["errors"][0]["message"].lower()


async def test_an_oversized_body_is_refused_with_413(api: Api) -> None:
    response = await api.client.post(
        "/graphql", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_production_refuses_the_default_secret(db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="ASNFLOW_SECRET"):
        create_app(make_settings(db_url, env="prod"))


async def test_production_refuses_introspection_and_hides_graphiql(db: Database, db_url: str) -> None:
    settings = make_settings(db_url, env="prod", secret="x" * 40)
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = (await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})).json()
        assert "introspection has been disabled" in body["errors"][0]["message"].lower()
        ide = await client.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in ide.text.lower()
        typo = (await client.post("/graphql", json={"query": "{ viewr { userId } }"})).json()
        assert "Did you mean" not in typo["errors"][0]["message"]


async def test_development_serves_graphiql(api: Api) -> None:
    ide = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" in ide.text.lower()


async def test_an_unexpected_exception_is_masked_and_logged_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from server.registry import queries

    async def explode(*_: object) -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(queries, "unit_by_code", explode)
    response = await api.client.post(
        "/graphql", json={"query": '{ unit(code: "X") { code } }'}, headers={"x-request-id": "req-123"}
    )
    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.headers["x-client-request-id"] == "req-123"
    assert response.headers["x-request-id"] != "req-123"  # the server's own id, never the client's
    assert any(
        "secret internals" in r.getMessage() or (r.exc_info and "secret internals" in str(r.exc_info[1]))
        for r in caplog.records
    )


async def test_a_nul_character_in_a_text_argument_is_a_clear_error(api: Api) -> None:
    body = (
        await api.post("query($n: String!) { employee(nip: $n) { name } }", {"n": "19860926\u0000"}, as_user="admin")
    ).json()
    if "errors" in body:  # PostgreSQL refuses U+0000 in text; SQLite just finds nobody
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "NUL" in body["errors"][0]["message"]
    else:
        assert body["data"]["employee"] is None
