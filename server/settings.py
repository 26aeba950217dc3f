"""Configuration from ``ASNFLOW_*`` environment variables.

The defaults make the embedded demo work untouched: a SQLite file in the working directory, a secret
``asnflow demo`` makes for it (server/demo_secret.py) and GraphiQL on. ``asnflow serve`` refuses to
start without ``ASNFLOW_SECRET`` (``check_serving``); the public development secret only signs
tokens of in-process tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from server.environment import ConfigurationError as ConfigurationError
from server.environment import Environment, read_environment

DEFAULT_SECRET = "asnflow-dev-secret-change-me-in-production"
DEFAULT_DATABASE_URL = "sqlite:///asnflow.db"


@dataclass(frozen=True)
class OidcSettings:
    """The agency's OpenID Connect provider: whose RS256/ES256 tokens the server accepts (docs/operations.md)."""

    issuer: str
    audience: str
    jwks_url: str
    user_claim: str = "sub"  # the claim that holds the user id (a NIP for civil servants)
    client_id: str = ""  # the console's client id at the provider (authorization code + PKCE)
    authorize_url: str = ""
    token_url: str = ""
    scope: str = "openid"
    algorithms: tuple[str, ...] = ("RS256", "ES256")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret: str = DEFAULT_SECRET
    env: str = "dev"
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_body_bytes: int = 1_000_000
    max_concurrent_requests: int = 8
    admission_wait_seconds: float = 10.0
    cache_size: int = 512
    token_ttl_seconds: int = 8 * 3600
    checkpoint_file: Path = field(default_factory=lambda: Path("asnflow-checkpoints.jsonl"))
    checkpoint_key_file: Path = field(default_factory=lambda: Path("asnflow-checkpoint.key"))
    policy_reload_seconds: float = 30.0
    viewer_cache_seconds: float = 2.0
    today: dt.date | None = None
    # Transport and token safety (issue 9, items 5 and 8); see docs/operations.md, "Tokens and sessions".
    secret_source: str = "default"  # "env" (ASNFLOW_SECRET), "demo-file" (beside the demo's SQLite file), "default"
    token_max_lifetime_seconds: int = 12 * 3600
    max_authorization_bytes: int = 4096
    max_ws_message_bytes: int = 65_536
    # changes a subscription may fall behind before it is ended (schema/subscriptions.py)
    subscription_queue_size: int = 100
    # issue 9, item 7 (resource limits): query cost, anonymous rate limit, metric labels, token rejections
    max_query_cost: int = 25_000
    # Off for an app built in code (tests send hundreds of anonymous requests from one address);
    # ``load_settings`` turns it on for ``asnflow serve`` and ``demo`` (10 a second, bursts of 60).
    anonymous_rate_per_second: float = 0.0
    anonymous_burst: int = 60
    metric_operations: frozenset[str] = frozenset()
    token_rejection_audit_seconds: float = 60.0
    # issue 12, item 4 (the console): demo sign-in, and OpenID Connect beside the HS256 tokens (server/oidc.py)
    demo_sign_in: bool = False  # POST /demo/token; ``asnflow demo`` turns it on, production refuses it
    oidc: OidcSettings | None = None
    policy_file: Path | None = None  # an operator's own policy instead of policies/policy.csv
    # issue 11, item 8: JSON logs (server/logs.py) and one access line per request; off for an app built in
    # code (``load_settings`` turns it on for ``asnflow serve``, ASNFLOW_ACCESS_LOG=0 turns it off)
    log_level: str = "INFO"
    access_log: bool = False

    @property
    def production(self) -> bool:
        return self.env == "prod"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_production(self) -> None:
        """Refuse to run production mode with the development secret."""
        if self.production and self.secret == DEFAULT_SECRET:
            raise ConfigurationError(
                "ASNFLOW_ENV=prod needs ASNFLOW_SECRET set to a secret of your own; "
                "the default secret is public and would let anyone mint tokens"
            )
        if self.production and self.demo_sign_in:
            raise ConfigurationError(
                "ASNFLOW_DEMO_SIGN_IN is refused with ASNFLOW_ENV=prod: it would let anyone sign in as any persona"
            )
        if self.production and len(self.secret) < 32:
            raise ConfigurationError("ASNFLOW_SECRET must be at least 32 characters in production")

    def check_serving(self) -> None:
        """A server signs and checks tokens with a secret of its operator's, never the public default."""
        if self.secret_source != "env" or self.secret == DEFAULT_SECRET:
            raise ConfigurationError(
                "set ASNFLOW_SECRET to a secret of your own (for example: export ASNFLOW_SECRET=$(openssl rand -hex 32)); "
                "the server will not sign tokens with the public development secret"
            )


def load_settings() -> Settings:
    """The service's settings from the ``ASNFLOW_*`` variables (server/environment.py, one field each)."""
    found = read_environment()
    if found.today is not None and found.env == "prod":
        raise ConfigurationError("ASNFLOW_TODAY pins the date for demos and tests; it is refused in production")
    secret, source = _secret(found)
    # every setting the environment names alike is taken as read; the rest are derived here
    alike: dict[str, Any] = {
        f.name: getattr(found, f.name)
        for f in fields(Settings)
        if f.name in Environment.model_fields and f.name not in _DERIVED
    }
    return Settings(
        **alike,
        secret=secret,
        secret_source=source,
        metric_operations=frozenset(part.strip() for part in found.metric_operations.split(",") if part.strip()),
        checkpoint_key_file=found.checkpoint_key,
        oidc=_oidc(found),
    )


_DERIVED = frozenset({"secret", "metric_operations"})  # read under the same name, but not as they are


def _oidc(found: Environment) -> OidcSettings | None:
    """OpenID Connect is on when ASNFLOW_OIDC_ISSUER is set; then the audience and the JWKS URL are needed too."""
    issuer = found.oidc_issuer.strip()
    if not issuer:
        return None
    for required in ("audience", "jwks_url"):
        if not getattr(found, f"oidc_{required}").strip():
            raise ConfigurationError(
                f"ASNFLOW_OIDC_ISSUER is set, so ASNFLOW_OIDC_{required.upper()} is needed too (docs/operations.md)"
            )
    base = issuer.rstrip("/")
    return OidcSettings(
        issuer=issuer,
        audience=found.oidc_audience.strip(),
        jwks_url=found.oidc_jwks_url.strip(),
        user_claim=found.oidc_user_claim.strip() or "sub",
        client_id=found.oidc_client_id.strip() or found.oidc_audience.strip(),
        authorize_url=found.oidc_authorize_url.strip() or f"{base}/authorize",
        token_url=found.oidc_token_url.strip() or f"{base}/token",
        scope=found.oidc_scope.strip() or "openid",
    )


def _secret(found: Environment) -> tuple[str, str]:
    """The token secret and where it came from: ASNFLOW_SECRET, else the demo's file beside a SQLite database."""
    from server.demo_secret import demo_secret

    if found.secret:
        return found.secret, "env"
    made = demo_secret(found.database_url)
    if made is not None:
        return made, "demo-file"
    return DEFAULT_SECRET, "default"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
