"""Configuration from ``ASNFLOW_*`` environment variables.

The defaults make the embedded demo work untouched: a SQLite file in the working directory, a secret
``asnflow demo`` makes for it (server/demo_secret.py) and GraphiQL on. ``asnflow serve`` refuses to
start without ``ASNFLOW_SECRET`` (``check_serving``); the public development secret only signs
tokens of in-process tests.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_SECRET = "asnflow-dev-secret-change-me-in-production"
DEFAULT_DATABASE_URL = "sqlite:///asnflow.db"


class ConfigurationError(RuntimeError):
    """A setting makes the service unsafe or impossible to start; the message says which and why."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from exc
    if not value >= 0:
        raise ConfigurationError(f"{name}={raw!r} must be 0 or more seconds")
    return value


def _names(name: str) -> frozenset[str]:
    """A comma-separated list of names (surrounding spaces ignored); unset or empty is none."""
    return frozenset(part.strip() for part in (os.environ.get(name) or "").split(",") if part.strip())


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
    env = os.environ.get("ASNFLOW_ENV", "dev").strip().lower()
    if env not in {"dev", "prod", "test"}:
        raise ConfigurationError(f"ASNFLOW_ENV={env!r} must be one of dev, prod, test")
    today_raw = os.environ.get("ASNFLOW_TODAY") or None
    try:
        today = dt.date.fromisoformat(today_raw) if today_raw else None
    except ValueError as exc:
        raise ConfigurationError(f"ASNFLOW_TODAY={today_raw!r} is not a date (YYYY-MM-DD)") from exc
    if today is not None and env == "prod":
        raise ConfigurationError("ASNFLOW_TODAY pins the date for demos and tests; it is refused in production")
    database_url = os.environ.get("ASNFLOW_DATABASE_URL") or DEFAULT_DATABASE_URL
    secret, source = _secret(database_url)
    return Settings(
        today=today,
        database_url=database_url,
        secret=secret,
        secret_source=source,
        env=env,
        max_page_size=_int("ASNFLOW_MAX_PAGE_SIZE", 100),
        max_query_depth=_int("ASNFLOW_MAX_QUERY_DEPTH", 12),
        max_aliases=_int("ASNFLOW_MAX_ALIASES", 30),
        max_tokens=_int("ASNFLOW_MAX_TOKENS", 3000),
        max_body_bytes=_int("ASNFLOW_MAX_BODY_BYTES", 1_000_000),
        max_concurrent_requests=_int("ASNFLOW_MAX_CONCURRENT_REQUESTS", 8),
        admission_wait_seconds=_float("ASNFLOW_ADMISSION_WAIT_SECONDS", 10.0),
        cache_size=_int("ASNFLOW_CACHE_SIZE", 512),
        viewer_cache_seconds=_float("ASNFLOW_VIEWER_CACHE_SECONDS", 2.0),
        checkpoint_file=Path(os.environ.get("ASNFLOW_CHECKPOINT_FILE") or "asnflow-checkpoints.jsonl"),
        checkpoint_key_file=Path(os.environ.get("ASNFLOW_CHECKPOINT_KEY") or "asnflow-checkpoint.key"),
        **_transport_settings(),
        # issue 9, item 7 (resource limits)
        max_query_cost=_int("ASNFLOW_MAX_QUERY_COST", 25_000),
        anonymous_rate_per_second=_float("ASNFLOW_ANONYMOUS_RATE_PER_SECOND", 10.0),
        anonymous_burst=_int("ASNFLOW_ANONYMOUS_BURST", 60),
        metric_operations=_names("ASNFLOW_METRIC_OPERATIONS"),
        token_rejection_audit_seconds=_float("ASNFLOW_TOKEN_REJECTION_AUDIT_SECONDS", 60.0),
        demo_sign_in=_flag("ASNFLOW_DEMO_SIGN_IN"),
        oidc=_oidc(),
    )


def _flag(name: str) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigurationError(f"{name}={raw!r} must be 1 or 0 (true or false)")


def _oidc() -> OidcSettings | None:
    """OpenID Connect is on when ASNFLOW_OIDC_ISSUER is set; then the audience and the JWKS URL are needed too."""
    issuer = (os.environ.get("ASNFLOW_OIDC_ISSUER") or "").strip()
    if not issuer:
        return None
    values = {
        name: (os.environ.get(f"ASNFLOW_OIDC_{name.upper()}") or "").strip()
        for name in ("audience", "jwks_url", "user_claim", "client_id", "authorize_url", "token_url", "scope")
    }
    for required in ("audience", "jwks_url"):
        if not values[required]:
            raise ConfigurationError(
                f"ASNFLOW_OIDC_ISSUER is set, so ASNFLOW_OIDC_{required.upper()} is needed too (docs/operations.md)"
            )
    base = issuer.rstrip("/")
    return OidcSettings(
        issuer=issuer,
        audience=values["audience"],
        jwks_url=values["jwks_url"],
        user_claim=values["user_claim"] or "sub",
        client_id=values["client_id"] or values["audience"],
        authorize_url=values["authorize_url"] or f"{base}/authorize",
        token_url=values["token_url"] or f"{base}/token",
        scope=values["scope"] or "openid",
    )


def _secret(database_url: str) -> tuple[str, str]:
    """The token secret and where it came from: ASNFLOW_SECRET, else the demo's file beside a SQLite database."""
    from server.demo_secret import demo_secret

    given = os.environ.get("ASNFLOW_SECRET")
    if given:
        return given, "env"
    made = demo_secret(database_url)
    if made is not None:
        return made, "demo-file"
    return DEFAULT_SECRET, "default"


def _transport_settings() -> dict[str, int]:
    settings = {
        "token_max_lifetime_seconds": _int("ASNFLOW_TOKEN_MAX_LIFETIME_SECONDS", 12 * 3600),
        "max_authorization_bytes": _int("ASNFLOW_MAX_AUTHORIZATION_BYTES", 4096),
        "max_ws_message_bytes": _int("ASNFLOW_MAX_WS_MESSAGE_BYTES", 65_536),
        "subscription_queue_size": _int("ASNFLOW_SUBSCRIPTION_QUEUE_SIZE", 100),
    }
    for name, value in settings.items():
        if value <= 0:
            raise ConfigurationError(f"ASNFLOW_{name.upper()}={value} must be a positive whole number")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
