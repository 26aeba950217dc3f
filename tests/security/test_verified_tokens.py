"""A token's signature is checked once per process; the cached answer ends exactly at the token's ``exp``."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from server.auth import TokenError, VerifiedTokens, issue_token
from server.settings import Settings

SECRET = "verified-tokens-test-secret-with-enough-bytes"


def _counting_decode(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def decode(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", decode)
    return calls


def test_the_same_token_is_verified_once(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(secret=SECRET)
    calls = _counting_decode(monkeypatch)
    tokens = VerifiedTokens(settings)
    token = issue_token(settings, "admin")
    assert tokens.verify(token).user_id == tokens.verify(token).user_id == "admin"
    assert len(calls) == 1
    other = issue_token(settings, "199107202021042001")
    assert tokens.verify(other).user_id == "199107202021042001"
    assert len(calls) == 2


def test_a_cached_token_is_checked_afresh_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """At ``exp`` the cache no longer answers: the token goes back to PyJWT, which refuses an expired one."""
    settings = Settings(secret=SECRET)
    calls = _counting_decode(monkeypatch)
    tokens = VerifiedTokens(settings)
    token = issue_token(settings, "admin", ttl_seconds=60)
    expires_at = tokens.verify(token).expires_at
    monkeypatch.setattr(time, "time", lambda: float(expires_at))
    tokens.verify(token)  # PyJWT's own clock is not moved here: it still accepts
    assert len(calls) == 2


def test_a_refused_token_is_checked_again_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_decode(monkeypatch)
    tokens = VerifiedTokens(Settings(secret=SECRET))
    forged = issue_token(Settings(secret="another-secret-with-enough-bytes-for-hs256"), "admin")
    for _ in range(2):
        with pytest.raises(TokenError):
            tokens.verify(forged)
    assert len(calls) == 2


def test_a_full_cache_keeps_its_bound() -> None:
    settings = Settings(secret=SECRET)
    tokens = VerifiedTokens(settings, max_entries=3)
    for n in range(10):
        tokens.verify(issue_token(settings, f"user{n}"))
    assert len(tokens._entries) <= 3
