"""Signing in to the console at the agency's OpenID Connect provider: authorization code with PKCE.

The provider is tests/console/idp.py; ``asnflow serve`` is configured with ASNFLOW_OIDC_* as
docs/operations.md tells an operator, and without demo sign-in (so the persona picker is gone and
``/demo/token`` does not exist).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from server.db import Database
from tests.console.conftest import open_page, screenshot, serving
from tests.console.idp import CLIENT_ID, Provider, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as idp:
        yield idp


async def test_a_person_signs_in_at_the_provider_and_the_console_knows_them_by_their_nip(
    provider: Provider, seeded_db: Database, seeded_db_url: str, tmp_path: Path, browser: Any
) -> None:
    from server.seed import persona_user_ids

    provider.user = (await persona_user_ids(seeded_db))["bkd_verifier"]
    env = {
        "ASNFLOW_OIDC_ISSUER": provider.issuer,
        "ASNFLOW_OIDC_AUDIENCE": CLIENT_ID,
        "ASNFLOW_OIDC_JWKS_URL": provider.jwks_url,
        "ASNFLOW_OIDC_USER_CLAIM": "nip",
        "ASNFLOW_OIDC_CLIENT_ID": CLIENT_ID,
    }
    errors: list[str] = []
    with serving(seeded_db_url, tmp_path, env) as servers:
        base = servers[0].url
        async with httpx.AsyncClient() as client:
            assert (await client.post(f"{base}/demo/token", json={"userId": provider.user})).status_code == 404
        page = await open_page(browser, errors)
        await page.goto(f"{base}/")
        assert await page.locator("button.persona").count() == 0
        await screenshot(page, "sign-in-oidc")
        await page.click("#oidc-sign-in")
        await expect(page.locator("#viewer-name")).to_be_visible()
        assert page.url.startswith(f"{base}/") and "code=" not in page.url  # the code left the address bar
        await expect(page.locator("h1")).to_have_text("Kotak tugas")
        assert provider.exchanged == 1
        token = await page.evaluate("sessionStorage.getItem('asnflow.token')")
        async with httpx.AsyncClient() as client:
            viewer = await client.post(
                f"{base}/graphql",
                json={"query": "{ viewer { userId } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert viewer.json()["data"]["viewer"]["userId"] == provider.user
    assert errors == []
