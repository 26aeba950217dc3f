"""A bearer token is short-lived and plainly formed, and the Authorization header is read once.

Refused with 401 and a sentence: an ``exp`` or ``iat`` that is not a whole number (PyJWT alone takes
``"exp": "99999999999"`` and floats), a missing ``iat``, a lifetime beyond
``token_max_lifetime_seconds`` (12 hours by default), an ``iat`` in the future. Two Authorization
headers are 400 and one longer than ``max_authorization_bytes`` is 431, before any signature is checked.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest

from schema.app import create_app
from server.auth import ALGORITHM, TokenError, issue_token, verify_token
from server.db import Database
from server.settings import Settings
from tests.schema.conftest import Api, make_settings

VIEWER = {"query": "{ viewer { userId } }"}


@pytest.fixture
async def api(db: Database, db_url: str) -> AsyncIterator[Api]:
    settings = make_settings(db_url)
    transport = httpx.ASGITransport(app=create_app(settings, db))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, settings, db)


def signed(settings: Settings, **claims: Any) -> str:
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


async def ask(api: Api, *authorization: str) -> tuple[int, str]:
    headers = [("Authorization", value) for value in authorization]
    response = await api.client.post("/graphql", json=VIEWER, headers=headers)
    return response.status_code, response.text


async def test_a_well_formed_token_within_the_lifetime_is_accepted(api: Api) -> None:
    now = int(time.time())
    good = signed(api.settings, sub="admin", iat=now, exp=now + api.settings.token_max_lifetime_seconds)
    status, text = await ask(api, f"Bearer {good}")
    assert status == 200 and '"userId":"admin"' in text.replace(" ", "")


# Claims as functions of the moment the test runs (not of collection: a long suite would see them expire).
@pytest.mark.parametrize(
    ("claims", "words"),
    [
        (lambda now: {"exp": float(now + 600)}, "whole numbers"),
        (lambda now: {"exp": str(now + 600)}, "whole numbers"),
        (lambda now: {"iat": float(now)}, "whole numbers"),
        (lambda now: {"exp": now + 30 * 86400}, "more than"),
        (lambda now: {"iat": None}, "iat"),
        (lambda now: {"iat": now + 3600, "exp": now + 7200}, "not yet valid"),
    ],
    ids=["float exp", "string exp", "float iat", "thirty days", "no iat", "issued in the future"],
)
async def test_a_malformed_or_long_lived_token_is_refused_with_a_sentence(
    api: Api, claims: Callable[[int], dict[str, Any]], words: str
) -> None:
    now = int(time.time())
    base: dict[str, Any] = {"sub": "admin", "iat": now, "exp": now + 600}
    base.update(claims(now))
    token = signed(api.settings, **{k: v for k, v in base.items() if v is not None})
    status, text = await ask(api, f"Bearer {token}")
    assert status == 401, text
    assert words in text


async def test_two_authorization_headers_are_refused(api: Api) -> None:
    admin, employee = issue_token(api.settings, "admin"), issue_token(api.settings, "198708202008041001")
    status, text = await ask(api, f"Bearer {employee}", f"Bearer {admin}")
    assert status == 400
    assert "one Authorization header" in text


async def test_an_oversized_authorization_header_is_refused_before_it_is_decoded(api: Api) -> None:
    status, text = await ask(api, "Bearer " + "a" * api.settings.max_authorization_bytes)
    assert status == 431
    assert f"longer than {api.settings.max_authorization_bytes} bytes" in text


def test_no_token_is_issued_for_longer_than_the_maximum_lifetime() -> None:
    settings = Settings(secret="x" * 32)
    with pytest.raises(TokenError, match="at most 43200 seconds"):
        issue_token(settings, "admin", ttl_seconds=settings.token_max_lifetime_seconds + 1)
    assert (
        verify_token(settings, issue_token(settings, "admin", settings.token_max_lifetime_seconds)).user_id == "admin"
    )


def test_a_lower_maximum_lifetime_refuses_tokens_issued_under_a_higher_one() -> None:
    issued = issue_token(Settings(secret="x" * 32), "admin", ttl_seconds=8 * 3600)
    with pytest.raises(TokenError, match="more than the 3600 allowed"):
        verify_token(Settings(secret="x" * 32, token_max_lifetime_seconds=3600), issued)
