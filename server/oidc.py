"""OpenID Connect: the agency's identity provider signs the tokens (RS256 or ES256), the server checks them.

Beside the HS256 tokens of ``asnflow token`` and the demo, a production console signs people in at the
agency's provider (authorization code with PKCE) and sends the provider's token as its bearer. Here it
is held to the same strict shape as our own tokens (server/auth.py): whole-number ``exp`` and ``iat``, a
lifetime within ``token_max_lifetime_seconds``, and a canonical user id, read from the configured claim
(``ASNFLOW_OIDC_USER_CLAIM``, e.g. ``nip``) rather than assumed to be ``sub``. ``iss`` and ``aud`` must
name the configured issuer and audience, so a token the same provider issued to another application is
refused. The signing keys come from the provider's JWKS through ``jwt.PyJWKClient``, which caches them
(five minutes) and fetches again when a token names a key it has not seen (the provider rotated).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jwt

from server.settings import OidcSettings

JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5


class OidcError(ValueError):
    """The provider's token cannot be used; the message says why."""


@lru_cache(maxsize=4)
def jwks_client(jwks_url: str) -> jwt.PyJWKClient:
    """One client per JWKS URL for the life of the process, so its key cache is shared by every request."""
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS)


def is_provider_token(token: str) -> bool:
    """True when the token's header names an asymmetric algorithm: it can only be the provider's."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return False
    return header.get("alg") in ("RS256", "ES256", "RS384", "RS512", "ES384", "ES512", "PS256")


def decode_provider_token(oidc: OidcSettings, token: str) -> dict[str, Any]:
    """The verified claims of a provider token: signature by a key of the JWKS, ``iss``, ``aud``, ``exp``."""
    try:
        key = jwks_client(oidc.jwks_url).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise OidcError("the identity provider's keys could not be fetched; try again in a minute") from None
    except jwt.PyJWKClientError as exc:
        raise OidcError(f"the bearer token names no key of the identity provider: {exc}") from None
    except jwt.InvalidTokenError as exc:
        raise OidcError(f"the bearer token is not valid: {exc}") from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=list(oidc.algorithms),
            audience=oidc.audience,
            issuer=oidc.issuer,
            options={"require": ["iss", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise OidcError("the bearer token has expired; sign in again") from None
    except jwt.InvalidAudienceError:
        raise OidcError(
            f"the bearer token was issued for another application: its audience is not {oidc.audience!r}"
        ) from None
    except jwt.InvalidIssuerError:
        raise OidcError(f"the bearer token comes from another issuer, not {oidc.issuer!r}") from None
    except jwt.InvalidTokenError as exc:
        raise OidcError(f"the bearer token is not valid: {exc}") from None
    return claims


def user_claim(oidc: OidcSettings, claims: dict[str, Any]) -> Any:
    """The configured claim's value (the user id or NIP), or None when the token lacks it."""
    return claims.get(oidc.user_claim)
