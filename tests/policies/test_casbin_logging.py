"""casbin's own chatter stays out of the log unless the operator asks for DEBUG (``ASNFLOW_LOG_LEVEL``).

pycasbin logs its whole model and policy at INFO as it loads them, and a WARNING for every denied
question; ``asnflow demo`` printed them over its personas and URLs. At the default level the log holds
none of it: not when the enforcer loads, reloads or answers, nor when the app starts and serves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from policies import enforcer as enforcer_module
from policies.enforcer import reset_enforcer
from schema.app import create_app
from server.db import Database
from server.settings import get_settings
from tests.schema.conftest import make_settings


def casbin_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "casbin" or r.name.startswith("casbin.")]


@pytest.fixture
def log_level(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set ``ASNFLOW_LOG_LEVEL`` through the monkeypatch; the process's enforcer is rebuilt afterwards."""
    monkeypatch.delenv("ASNFLOW_LOG_LEVEL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()
    reset_enforcer()


def test_loading_and_asking_the_enforcer_logs_nothing_of_casbin_at_the_default_level(
    log_level: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    enforcer = reset_enforcer()
    enforcer.reload()
    assert enforcer.permits("employee", "grant", "delegate") is None  # a denial: casbin's WARNING
    assert casbin_records(caplog) == []


def test_debug_lets_casbin_say_what_it_loaded(log_level: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    log_level.setenv("ASNFLOW_LOG_LEVEL", "debug")
    get_settings.cache_clear()
    caplog.set_level(logging.DEBUG)
    reset_enforcer()
    messages = [r.getMessage() for r in casbin_records(caplog)]
    assert "Model:" in messages
    assert "Policy:" in messages


async def test_starting_the_app_and_serving_logs_nothing_of_casbin_at_the_default_level(
    log_level: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, db: Database, db_url: str
) -> None:
    caplog.set_level(logging.INFO)
    log_level.setattr(enforcer_module, "_enforcer", None)  # the app loads the process's enforcer itself
    app = create_app(make_settings(db_url), db)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/graphql", json={"query": "{ viewer { userId } }"})
    assert response.status_code == 200, response.text
    assert enforcer_module._enforcer is not None
    assert casbin_records(caplog) == []
