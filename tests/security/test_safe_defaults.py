"""Safe by default: no server signs with the public secret, production names nothing the client did not write,
and a client cannot choose the id its requests are filed under.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from schema.commands import _use_demo_secret
from schema.schema import build_schema
from server.auth import verify_token
from server.demo_secret import secret_file
from server.logs import JsonFormatter
from server.models import AuditEvent
from server.settings import DEFAULT_SECRET, ConfigurationError, Settings, get_settings, load_settings
from tests.api.helpers import DemoApi
from tests.multiprocess.servers import ROOT, free_port

CLI = str(Path(sys.executable).with_name("asnflow"))


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of an operator who has set nothing but the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASNFLOW_")}
    env.update(ASNFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'asnflow.db'}", **extra)
    return env


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """``get_settings`` read afresh from the environment this test sets, and forgotten afterwards."""
    for name in [k for k in os.environ if k.startswith("ASNFLOW_")]:
        monkeypatch.delenv(name)
    for name in ("ASNFLOW_SECRET", "ASNFLOW_DEMO_SIGN_IN"):  # the demo sets these itself: restore them afterwards
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


# ------------------------------------------------------------------------------------------ the secret


def test_serve_refuses_to_start_without_asnflow_secret(tmp_path: Path) -> None:
    done = run_cli("serve", "--port", str(free_port()), env=bare_env(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "set ASNFLOW_SECRET" in lines[0], done.stderr


def test_serve_refuses_the_public_development_secret_even_when_set(tmp_path: Path) -> None:
    done = run_cli("serve", "--port", str(free_port()), env=bare_env(tmp_path, ASNFLOW_SECRET=DEFAULT_SECRET))
    assert done.returncode == 2 and "ASNFLOW_SECRET" in done.stderr


def test_the_uvicorn_factory_refuses_without_a_secret_of_the_operators(settings_from: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="set ASNFLOW_SECRET"):
        load_settings().check_serving()
    settings_from.setenv("ASNFLOW_SECRET", "an-operator-secret-of-at-least-32-chars")
    load_settings().check_serving()


def test_demo_makes_a_random_secret_per_database_readable_by_its_owner_only(
    settings_from: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = []
    for name in ("one.db", "two.db"):
        settings_from.delenv("ASNFLOW_SECRET", raising=False)
        settings_from.setenv("ASNFLOW_DATABASE_URL", f"sqlite:///{tmp_path / name}")
        get_settings.cache_clear()
        settings = _use_demo_secret(get_settings())
        path = tmp_path / f"{name}.secret"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert settings.secret == path.read_text().strip() and len(settings.secret) == 64
        settings.check_serving()  # the server the demo starts accepts it
        secrets.append(settings.secret)
    assert secrets[0] != secrets[1]
    settings_from.delenv("ASNFLOW_SECRET")
    get_settings.cache_clear()
    assert _use_demo_secret(get_settings()).secret == secrets[1], "a second run keeps the database's secret"


def test_the_demo_secret_alone_does_not_let_serve_start(settings_from: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings_from.setenv("ASNFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'asnflow.db'}")
    _use_demo_secret(get_settings())
    settings_from.delenv("ASNFLOW_SECRET")
    found = load_settings()
    assert found.secret_source == "demo-file"
    with pytest.raises(ConfigurationError, match="set ASNFLOW_SECRET"):
        found.check_serving()


def test_asnflow_token_signs_with_the_demo_databases_secret(tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    refused = run_cli("token", "admin", env=env)
    assert refused.returncode == 2 and "ASNFLOW_SECRET" in refused.stderr

    path = secret_file(env["ASNFLOW_DATABASE_URL"])
    assert path is not None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"d" * 64)
    os.close(fd)
    issued = run_cli("token", "admin", env=env)
    assert issued.returncode == 0, issued.stderr
    assert verify_token(Settings(secret="d" * 64), issued.stdout.strip()).user_id == "admin"

    too_long = run_cli("token", "admin", "--ttl", str(13 * 3600), env=env)
    assert too_long.returncode == 2 and "at most 43200 seconds" in too_long.stderr

    path.chmod(0o644)
    readable = run_cli("token", "admin", env=env)
    assert readable.returncode == 2 and "chmod 600" in readable.stderr


# ----------------------------------------------------------------------------------------- suggestions

TYPOS = {
    "field": "{ viewr { userId } }",
    "argument": "{ units(frist: 1) { edges { node { code } } } }",
    "type": "query($f: Strng) { viewer { userId } }",
    "enum value": "{ requests(filter: {kind: TRANSFR}) { totalCount } }",
    "input field": "{ requests(filter: {knd: TRANSFER}) { totalCount } }",
}
VARIABLE_TYPOS = {
    "enum value in a variable": (
        "query($k: RequestKind) { requests(filter: {kind: $k}) { totalCount } }",
        {"k": "TRANSFR"},
    ),
    "input field in a variable": (
        "query($f: RequestFilter) { requests(filter: $f) { totalCount } }",
        {"f": {"knd": "TRANSFER"}},
    ),
}
CASES = [(q, None) for q in TYPOS.values()] + list(VARIABLE_TYPOS.values())
IDS = [*TYPOS, *VARIABLE_TYPOS]


async def _messages(env: str, query: str, variables: dict[str, object] | None) -> list[str]:
    result = await build_schema(Settings(env=env)).execute(query, variable_values=variables)
    assert result.errors, "the typo is an error"
    return [e.message for e in result.errors]


@pytest.mark.parametrize(("query", "variables"), CASES, ids=IDS)
async def test_production_suggests_no_name_the_client_did_not_write(
    query: str, variables: dict[str, object] | None
) -> None:
    assert any("Did you mean" in m for m in await _messages("dev", query, variables)), "development suggests"
    assert not any("Did you mean" in m for m in await _messages("prod", query, variables))


# ------------------------------------------------------------------------------------- X-Request-Id


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


REVOKE = "mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { errors { code } } }"


async def test_a_clients_request_id_is_kept_beside_the_servers_never_instead_of_it(demo: DemoApi) -> None:
    given = "client-42\r\nX-Evil: 1 <script>" + "z" * 200
    lines = Lines()
    logging.getLogger().addHandler(lines)
    try:
        response = await demo.client.post(
            "/graphql",
            json={"query": REVOKE, "variables": {"i": {"userId": demo.uid("auditor"), "role": "auditor"}}},
            headers={"Authorization": f"Bearer {demo.token(demo.uid('admin'))}", "X-Request-Id": given},
        )
        logging.getLogger("asnflow.test").warning("after the request")  # outside: no ids
    finally:
        logging.getLogger().removeHandler(lines)
    assert response.status_code == 200 and response.json()["data"]["revokeRole"]["errors"] == []
    server_id, client_id = response.headers["x-request-id"], response.headers["x-client-request-id"]
    assert client_id == ("client-42X-Evil1script" + "z" * 200)[:64]
    assert server_id != client_id and len(server_id) == 32
    async with demo.db.read() as s:
        correlation = (await s.execute(select(AuditEvent.correlation_id).order_by(AuditEvent.seq.desc()))).first()
    assert correlation is not None and correlation[0] == server_id
    assert lines.lines[-1].get("client_request_id") is None


def test_a_log_line_carries_both_ids() -> None:
    from server import request_context

    rid, cid = request_context.correlation_id.set("server-id"), request_context.client_request_id.set("client-id")
    try:
        record = logging.LogRecord("asnflow.test", logging.INFO, __file__, 1, "hello", None, None)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_context.client_request_id.reset(cid)
        request_context.correlation_id.reset(rid)
    assert line["request_id"] == "server-id" and line["client_request_id"] == "client-id"
