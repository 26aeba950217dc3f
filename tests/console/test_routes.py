"""The console's server side: its page at /, the demo sign-in (outside production only), the auditors' export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import orjson
import pytest

from schema.app import create_app
from schema.console.routes import STATIC
from server.auth import issue_token
from server.db import Database
from server.seed import persona_user_ids
from server.settings import ConfigurationError, Settings

SECRET = "console-test-secret-0123456789abcdef-0123"


def settings_for(url: str, tmp_path: Path, **overrides: object) -> Settings:
    base = Settings(
        database_url=url,
        env="test",
        secret=SECRET,
        checkpoint_file=tmp_path / "checkpoints.jsonl",
        checkpoint_key_file=tmp_path / "checkpoint.key",
    )
    return replace(base, **overrides)


@pytest.fixture
async def people(seeded_db: Database) -> dict[str, str]:
    return await persona_user_ids(seeded_db)


async def client_for(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def demo_client(seeded_db: Database, seeded_db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(settings_for(seeded_db_url, tmp_path, demo_sign_in=True), seeded_db):
        yield client


@pytest.fixture
async def plain_client(seeded_db: Database, seeded_db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(settings_for(seeded_db_url, tmp_path), seeded_db):
        yield client


async def test_the_console_is_served_at_the_root_with_its_assets(plain_client: httpx.AsyncClient) -> None:
    page = await plain_client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/console/app.js">' in page.text
    for name in sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()):
        asset = await plain_client.get(f"/console/{name}")
        assert asset.status_code == 200, name


async def test_the_console_loads_nothing_from_another_origin() -> None:
    """Our own files name no other origin; the vendored mermaid (whose text names its docs) is held by the CSP,
    which the browser tests would see refusing anything it tried to fetch elsewhere (a console error)."""
    for path in STATIC.iterdir():
        if path.is_dir():
            assert path.name == "vendor"
            continue
        text = path.read_text()
        assert "https://" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", ""), path.name


async def test_a_demo_persona_gets_a_token_that_the_api_accepts(
    demo_client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    listed = (await demo_client.get("/demo/personas")).json()
    assert people["bkd_verifier"] in {p["userId"] for p in listed}
    answer = await demo_client.post("/demo/token", json={"userId": people["bkd_verifier"]})
    assert answer.status_code == 200
    viewer = await demo_client.post(
        "/graphql",
        json={"query": "{ viewer { userId } }"},
        headers={"Authorization": f"Bearer {answer.json()['token']}"},
    )
    assert viewer.json()["data"]["viewer"]["userId"] == people["bkd_verifier"]


async def test_the_demo_mints_tokens_for_personas_only(demo_client: httpx.AsyncClient) -> None:
    stranger = await demo_client.post("/demo/token", json={"userId": "someone-else"})
    assert stranger.status_code == 403 and "not a demo persona" in stranger.json()["error"]
    assert (await demo_client.post("/demo/token", content=b"[")).status_code == 400


async def test_without_demo_sign_in_there_is_no_token_endpoint(
    plain_client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    assert (await plain_client.post("/demo/token", json={"userId": people["admin"]})).status_code == 404
    assert (await plain_client.get("/demo/personas")).status_code == 404
    assert (await plain_client.get("/console/config.json")).json() == {"demo": False, "oidc": None}


def test_production_refuses_to_start_with_demo_sign_in(tmp_path: Path) -> None:
    settings = settings_for("sqlite:///x.db", tmp_path, env="prod", demo_sign_in=True)
    with pytest.raises(ConfigurationError, match="ASNFLOW_DEMO_SIGN_IN is refused"):
        create_app(settings)


def test_asnflow_demo_turns_the_persona_picker_on_and_serve_leaves_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from schema.commands import _use_demo_secret
    from server.settings import get_settings, load_settings

    monkeypatch.setenv("ASNFLOW_SECRET", SECRET)
    monkeypatch.setenv("ASNFLOW_DEMO_SIGN_IN", "0")  # recorded, so the demo's own setting is undone afterwards
    monkeypatch.setenv("ASNFLOW_ENV", "dev")
    assert not load_settings().demo_sign_in
    get_settings.cache_clear()
    try:
        assert _use_demo_secret(get_settings()).demo_sign_in
    finally:
        get_settings.cache_clear()


async def test_the_auditor_downloads_the_export_as_csv_and_jsonl(
    plain_client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET), people['auditor'])}"}
    as_csv = await plain_client.get("/audit/export?format=csv", headers=headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][0] == "seq" and len(rows) > 1
    as_jsonl = await plain_client.get("/audit/export?format=jsonl", headers=headers)
    lines = [orjson.loads(line) for line in as_jsonl.text.splitlines()]
    assert len(lines) == len(rows) - 1 and {"seq", "hash", "prev_hash"} <= set(lines[0])


async def test_the_export_is_for_auditors_only(plain_client: httpx.AsyncClient, people: dict[str, str]) -> None:
    head = {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET), people['unit_head'])}"}
    assert (await plain_client.get("/audit/export?format=csv", headers=head)).status_code == 403
    assert (await plain_client.get("/audit/export?format=csv")).status_code == 401
    auditor = {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET), people['auditor'])}"}
    assert (await plain_client.get("/audit/export?format=xml", headers=auditor)).status_code == 400


async def test_the_console_page_may_run_only_its_own_scripts(plain_client: httpx.AsyncClient) -> None:
    policy = (await plain_client.get("/")).headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy  # mermaid's diagram needs inline styles only, never eval
