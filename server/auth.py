"""Bearer tokens: HS256 JWTs signed with ``ASNFLOW_SECRET``; ``sub`` is the user id (a NIP for civil servants).

A token is accepted only if it is short-lived and plainly formed: whole-number ``iat`` and ``exp``
(PyJWT alone would take ``"exp": "99999999999"`` or a float), a lifetime ``exp - iat`` within
``token_max_lifetime_seconds`` (a leaked token is worth hours, not years), issued no later than now
(PyJWT checks ``iat``).
With OpenID Connect configured (server/oidc.py), an RS256/ES256 token from the agency's provider is
accepted too, held to the same checks, with the user id read from the configured claim.
The ``Authorization`` header is read once: a second one, or one longer than
``max_authorization_bytes``, is refused before any signature is checked.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from server.identity import UserIdError, canonical_user_id
from server.oidc import OidcError, decode_provider_token, is_provider_token, user_claim
from server.settings import Settings

ALGORITHM = "HS256"


class TokenError(ValueError):
    """The token is missing a part, badly signed or expired; the message says which.

    ``status`` is the HTTP status to answer with: 401 for the token itself, 400 for a malformed
    request (two Authorization headers), 431 for a header too large to read.
    """

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Claims:
    user_id: str
    expires_at: int  # seconds since the epoch: a WebSocket session ends then


def issue_token(settings: Settings, user_id: str, ttl_seconds: int | None = None) -> str:
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    if ttl > settings.token_max_lifetime_seconds:
        raise TokenError(
            f"a token lifetime of {ttl} seconds is refused: at most {settings.token_max_lifetime_seconds} "
            "seconds are allowed (ASNFLOW_TOKEN_MAX_LIFETIME_SECONDS)"
        )
    now = int(time.time())
    return jwt.encode({"sub": user_id, "iat": now, "exp": now + ttl}, settings.secret, algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str) -> Claims:
    if settings.oidc is not None and is_provider_token(token):
        try:
            claims = decode_provider_token(settings.oidc, token)
        except OidcError as exc:
            raise TokenError(str(exc)) from None
        sub = user_claim(settings.oidc, claims)
        if not isinstance(sub, str) or not sub:
            raise TokenError(f"the bearer token has no {settings.oidc.user_claim} claim to name the user")
        return _checked(settings, sub, claims)
    try:
        claims = jwt.decode(token, settings.secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "iat"]})
    except jwt.ExpiredSignatureError:
        raise TokenError("the bearer token has expired; ask for a new one") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"the bearer token is not valid: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("the bearer token has no subject (sub)")
    return _checked(settings, sub, claims)


def _checked(settings: Settings, sub: str, claims: dict[str, object]) -> Claims:
    """The checks every token passes, ours or the provider's: whole-number times, a short life, a real user id."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if type(exp) is not int or type(iat) is not int:
        raise TokenError("the bearer token's exp and iat must be whole numbers of seconds since 1970")
    limit = settings.token_max_lifetime_seconds
    if exp - iat > limit:
        raise TokenError(
            f"the bearer token lives {exp - iat} seconds, more than the {limit} allowed; ask for a new one"
        )
    try:
        user_id = canonical_user_id(sub)
    except UserIdError as exc:
        raise TokenError(f"the bearer token's subject is not a user id: {exc}") from None
    return Claims(user_id=user_id, expires_at=exp)


class VerifiedTokens:
    """Tokens already verified by this process, kept until they expire: a client sending the same token on
    every request pays the signature check and the claim checks once.

    Only accepted tokens are kept (a refused one is checked, counted and audited every time), keyed by the
    SHA-256 of the token (not the token: a bounded, fixed-size key), and only with the settings they were
    checked under: the cache belongs to one middleware, so a new secret (a restart) starts empty. An entry is
    dropped the moment its ``exp`` is reached, exactly when PyJWT would refuse it. Grants are not part of a
    token: who the user is and what they may do is still loaded per request (policies/viewer.py).
    """

    def __init__(self, settings: Settings, max_entries: int = 10_000) -> None:
        self.settings = settings
        self.max_entries = max_entries
        self._entries: dict[bytes, Claims] = {}

    def verify(self, token: str) -> Claims:
        key = hashlib.sha256(token.encode()).digest()
        found = self._entries.get(key)
        if found is not None:
            if time.time() < found.expires_at:
                return found
            del self._entries[key]
        claims = verify_token(self.settings, token)
        if len(self._entries) >= self.max_entries:
            self._drop_expired()
        self._entries[key] = claims
        return claims

    def _drop_expired(self) -> None:
        now = time.time()
        self._entries = {k: c for k, c in self._entries.items() if now < c.expires_at}
        if len(self._entries) >= self.max_entries:
            self._entries.clear()


def user_id_from_token(settings: Settings, token: str) -> str:
    return verify_token(settings, token).user_id


def bearer_header(headers: Iterable[tuple[bytes, bytes]], settings: Settings) -> str | None:
    """The one ``Authorization`` header's token, None without one; ``TokenError`` when it cannot be used."""
    found = [bytes(value) for key, value in headers if key.lower() == b"authorization"]
    if not any(found):
        return None  # none, or an empty one: an anonymous request, as before
    if len(found) > 1:
        raise TokenError("send one Authorization header; this request has several", status=400)
    if len(found[0]) > settings.max_authorization_bytes:
        raise TokenError(
            f"the Authorization header is longer than {settings.max_authorization_bytes} bytes; send a shorter token",
            status=431,
        )
    scheme, _, token = found[0].decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("the Authorization header must be 'Bearer <token>'")
    return token.strip()
