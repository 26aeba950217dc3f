"""Every ``ASNFLOW_*`` environment variable, read and checked in one place (pydantic-settings).

One field per variable (field ``max_page_size`` is ``ASNFLOW_MAX_PAGE_SIZE``); the README's "Configuration"
table lists each with its default and meaning (tests/server/test_settings_readme.py keeps the two in step).
An empty variable counts as unset. A value of the wrong kind is a ``ConfigurationError`` naming the variable
and the value; ``server.settings.load_settings`` turns these fields into the service's ``Settings``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "ASNFLOW_"


class ConfigurationError(RuntimeError):
    """A setting makes the service unsafe or impossible to start; the message says which and why."""


class Environment(BaseSettings):
    """The variables as the operator set them (defaults where unset); see the README for what each does."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    database_url: str = "sqlite:///asnflow.db"
    secret: str | None = None
    env: Literal["dev", "prod", "test"] = "dev"
    today: dt.date | None = None
    # request and query limits
    max_page_size: Annotated[int, Field(gt=0)] = 100
    default_page_size: Annotated[int, Field(gt=0)] = 20
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_query_cost: Annotated[int, Field(ge=0)] = 25_000
    max_body_bytes: Annotated[int, Field(gt=0)] = 1_000_000
    max_concurrent_requests: Annotated[int, Field(ge=0)] = 8
    admission_wait_seconds: Annotated[float, Field(ge=0)] = 10.0
    anonymous_rate_per_second: Annotated[float, Field(ge=0)] = 10.0
    anonymous_burst: Annotated[int, Field(ge=0)] = 60
    cache_size: Annotated[int, Field(ge=0)] = 512
    viewer_cache_seconds: Annotated[float, Field(ge=0)] = 2.0
    policy_reload_seconds: Annotated[float, Field(ge=0)] = 30.0
    # tokens and transport (docs/operations.md, "Tokens and sessions")
    token_ttl_seconds: Annotated[int, Field(gt=0)] = 8 * 3600
    token_max_lifetime_seconds: Annotated[int, Field(gt=0)] = 12 * 3600
    max_authorization_bytes: Annotated[int, Field(gt=0)] = 4096
    max_ws_message_bytes: Annotated[int, Field(gt=0)] = 65_536
    subscription_queue_size: Annotated[int, Field(gt=0)] = 100
    token_rejection_audit_seconds: Annotated[float, Field(ge=0)] = 60.0
    metric_operations: str = ""
    # audit checkpoints, the policy file
    checkpoint_file: Path = Path("asnflow-checkpoints.jsonl")
    checkpoint_key: Path = Path("asnflow-checkpoint.key")
    policy_file: Path | None = None
    # the console's sign-in
    demo_sign_in: bool = False
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_user_claim: str = "sub"
    oidc_client_id: str = ""
    oidc_authorize_url: str = ""
    oidc_token_url: str = ""
    oidc_scope: str = "openid"
    # logs (server/logs.py)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True

    @field_validator("env", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


def variable(field: str) -> str:
    """The environment variable of ``field``."""
    return PREFIX + field.upper()


def read_environment() -> Environment:
    """The variables of this process, or a ``ConfigurationError`` naming each one that is wrong, and its value."""
    try:
        return Environment()
    except ValidationError as exc:
        problems = [
            f"{variable(str(error['loc'][0]))}={error.get('input')!r}: {error['msg'].lower()}"
            for error in exc.errors(include_url=False)
        ]
        raise ConfigurationError("; ".join(problems)) from None
