"""An HTTP client on the real ASGI app over a fresh database, and a way to ask as a given user."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from schema.app import create_app
from server.auth import issue_token
from server.db import Database
from server.settings import Settings
from server.statements_seen import watching


class Api:
    def __init__(self, client: httpx.AsyncClient, settings: Settings, db: Database) -> None:
        self.client = client
        self.settings = settings
        self.db = db

    def token(self, user_id: str) -> str:
        return issue_token(self.settings, user_id)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(as_user)}"} if as_user else {}
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, as_user=as_user)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


def make_settings(db_url: str, **overrides: Any) -> Settings:
    return replace(Settings(database_url=db_url, env="test"), **overrides)


@pytest.fixture
async def api(db: Database, db_url: str) -> AsyncIterator[Api]:
    settings = make_settings(db_url)
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, db)


@pytest.fixture
async def uncached_api(db: Database, db_url: str) -> AsyncIterator[Api]:
    """The API with the viewer loaded on every request: a statement count then does not depend on whether the
    viewer cache's time ran out between two requests (it can on a loaded machine)."""
    settings = make_settings(db_url, viewer_cache_seconds=0)
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, db)


class StatementCounter:
    def __init__(self, db: Database) -> None:
        self.count = 0
        self.engine = db.engine.sync_engine

    def _on(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        self._watching = watching(self.engine, self._on)
        self._watching.__enter__()
        return self

    def __exit__(self, *_: Any) -> None:
        self._watching.__exit__(None, None, None)


TODAY = dt.date.today()


@pytest.fixture
async def demo_api(seeded_db: Database, seeded_db_url: str) -> AsyncIterator[Api]:
    """The API over a copy of the seeded demo data (personas included), judged on the seed's reference date."""
    from server.seed import REFERENCE_DATE

    settings = make_settings(seeded_db_url, today=REFERENCE_DATE)
    app = create_app(settings, seeded_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, seeded_db)
