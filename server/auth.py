"""Bearer tokens: HS256 JWTs signed with ``ASNFLOW_SECRET``; ``sub`` is the user id (a NIP for civil servants)."""

from __future__ import annotations

import time

import jwt

from server.identity import UserIdError, canonical_user_id
from server.settings import Settings

ALGORITHM = "HS256"


class TokenError(ValueError):
    """The token is missing a part, badly signed or expired; the message says which."""


def issue_token(settings: Settings, user_id: str, ttl_seconds: int | None = None) -> str:
    now = int(time.time())
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    return jwt.encode({"sub": user_id, "iat": now, "exp": now + ttl}, settings.secret, algorithm=ALGORITHM)


def user_id_from_token(settings: Settings, token: str) -> str:
    try:
        claims = jwt.decode(token, settings.secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise TokenError("the bearer token has expired; ask for a new one") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"the bearer token is not valid: {exc}") from None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenError("the bearer token has no subject (sub)")
    try:
        return canonical_user_id(sub)
    except UserIdError as exc:
        raise TokenError(f"the bearer token's subject is not a user id: {exc}") from None
