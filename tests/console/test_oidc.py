"""OpenID Connect: the provider's RS256/ES256 tokens are accepted beside HS256, under the same strict checks.

The provider is tests/console/idp.py, started per test on a loopback port; its JWKS is fetched by
``jwt.PyJWKClient``. The user is the configured claim (here ``nip``), never the provider's ``sub``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from schema.app import create_app
from server.auth import TokenError, issue_token, verify_token
from server.db import Database
from server.settings import OidcSettings, Settings
from tests.console.idp import CLIENT_ID, Provider, running_provider

NIP = "198307212007021001"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as idp:
        idp.user = NIP
        yield idp


def oidc_settings(idp: Provider, **overrides: object) -> Settings:
    oidc = OidcSettings(issuer=idp.issuer, audience=CLIENT_ID, jwks_url=idp.jwks_url, user_claim="nip")
    return replace(Settings(env="test", oidc=oidc), **overrides)


def refused(settings: Settings, token: str) -> str:
    with pytest.raises(TokenError) as caught:
        verify_token(settings, token)
    return str(caught.value)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_provider_token_names_the_user_by_the_configured_claim(provider: Provider, alg: str) -> None:
    claims = verify_token(oidc_settings(provider), provider.token(alg=alg))
    assert claims.user_id == NIP


def test_a_provider_nip_written_with_display_spaces_is_the_canonical_user(provider: Provider) -> None:
    assert verify_token(oidc_settings(provider), provider.token(nip="19830721 200702 1 001")).user_id == NIP


def test_our_own_hs256_tokens_still_work_beside_the_provider(provider: Provider) -> None:
    settings = oidc_settings(provider)
    assert verify_token(settings, issue_token(settings, "admin")).user_id == "admin"


def test_a_token_for_another_audience_is_refused(provider: Provider) -> None:
    assert "audience" in refused(oidc_settings(provider), provider.token(aud="someone-elses-app"))


def test_a_token_from_another_issuer_is_refused(provider: Provider) -> None:
    assert "issuer" in refused(oidc_settings(provider), provider.token(iss="https://evil.example"))


def test_an_expired_provider_token_is_refused(provider: Provider) -> None:
    now = int(time.time())
    assert "expired" in refused(oidc_settings(provider), provider.token(iat=now - 600, exp=now - 300))


def test_provider_times_must_be_whole_numbers(provider: Provider) -> None:
    now = int(time.time())
    assert "whole numbers" in refused(oidc_settings(provider), provider.token(iat=now, exp=now + 300.5))


def test_a_long_lived_provider_token_is_refused(provider: Provider) -> None:
    now = int(time.time())
    settings = oidc_settings(provider, token_max_lifetime_seconds=3600)
    assert "more than the 3600 allowed" in refused(settings, provider.token(iat=now, exp=now + 7200))


def test_a_provider_token_without_the_user_claim_is_refused(provider: Provider) -> None:
    assert "no nip claim" in refused(oidc_settings(provider), provider.token(nip=None))


def test_a_user_claim_that_is_no_user_id_is_refused(provider: Provider) -> None:
    assert "not a user id" in refused(oidc_settings(provider), provider.token(nip=" admin"))


def test_a_token_signed_by_a_key_outside_the_jwks_is_refused(provider: Provider) -> None:
    with running_provider() as stranger:
        forged = stranger.token(iss=provider.issuer, nip=NIP)  # same kid "rsa-1", another key
    assert "not valid" in refused(oidc_settings(provider), forged)
    assert "no key" in refused(oidc_settings(provider), provider.token(kid="unknown"))


def test_the_public_key_used_as_an_hmac_secret_is_refused(provider: Provider) -> None:
    """Algorithm confusion: HS256 signed with the provider's public key must not pass as the provider."""
    pem = provider.rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    body = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": NIP, "nip": NIP, "iat": now, "exp": now + 60}
    forged = _hmac_with(pem, body)
    assert "not valid" in refused(oidc_settings(provider), forged)


def _hmac_with(key: bytes, body: dict[str, object]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(body).encode())
    return signing + "." + b64(hmac.new(key, signing.encode(), hashlib.sha256).digest())


def test_without_oidc_configured_a_provider_token_is_refused(provider: Provider) -> None:
    assert "not valid" in refused(Settings(env="test"), provider.token())


async def test_the_api_serves_the_viewer_named_by_a_provider_token(
    provider: Provider, seeded_db: Database, seeded_db_url: str
) -> None:
    settings = replace(oidc_settings(provider), database_url=seeded_db_url)
    app = create_app(settings, seeded_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        ok = await client.post(
            "/graphql",
            json={"query": "{ viewer { userId } }"},
            headers={"Authorization": f"Bearer {provider.token()}"},
        )
        bad = await client.post(
            "/graphql",
            json={"query": "{ viewer { userId } }"},
            headers={"Authorization": f"Bearer {provider.token(aud='other')}"},
        )
    assert ok.json()["data"]["viewer"]["userId"] == NIP
    assert bad.status_code == 401
