"""The ``asnflow`` command. Core commands live here; each layer adds its own through the
``asnflow.commands`` entry-point group (see pyproject.toml), so the core imports no layer above it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from server.auth import TokenError, issue_token
from server.settings import ConfigurationError, get_settings


def _migrate(_: argparse.Namespace) -> int:
    from server import migrate as migrations  # alembic: only here (audit verification workers import this module)

    settings = get_settings()
    migrations.upgrade(settings.database_url)
    print(f"database at {settings.database_url} is up to date")
    return 0


def _token(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.production:
        print(
            "asnflow token is refused in production mode (ASNFLOW_ENV=prod): issue tokens from your identity provider",
            file=sys.stderr,
        )
        return 2
    if settings.secret_source == "default":
        print(
            "asnflow token: set ASNFLOW_SECRET to the server's secret, or run asnflow demo first "
            "(it keeps a secret beside its SQLite database)",
            file=sys.stderr,
        )
        return 2
    if args.ttl is not None and args.ttl < 1:
        print(f"asnflow token: --ttl {args.ttl} must be at least 1 second", file=sys.stderr)
        return 2
    try:
        print(issue_token(settings, args.user_id, args.ttl))
    except TokenError as exc:
        print(f"asnflow token: {exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asnflow", description="Workflow platform for civil-servant positions.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("migrate", help="apply migrations to ASNFLOW_DATABASE_URL")
    p.set_defaults(func=_migrate)
    p = sub.add_parser("token", help="a bearer token for a user (refused in production mode)")
    p.add_argument("user_id", metavar="USER_ID")
    p.add_argument(
        "--ttl",
        type=int,
        default=None,
        metavar="SECONDS",
        help="lifetime (default 8 hours; at most ASNFLOW_TOKEN_MAX_LIFETIME_SECONDS, 12 hours)",
    )
    p.set_defaults(func=_token)
    for ep in sorted(entry_points(group="asnflow.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except ConfigurationError as exc:
        print(f"asnflow: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
