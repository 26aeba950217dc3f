"""The ``asnflow`` command. Core commands live here; each layer adds its own through the
``asnflow.commands`` entry-point group (see pyproject.toml), so the core imports no layer above it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from server.auth import TokenError, issue_token
from server.database_errors import explain
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


def _database_problem(exc: BaseException) -> str | None:
    try:
        return explain(exc, get_settings().database_url)
    except ConfigurationError:
        return None


# Exit codes (README, "Exit codes"): 0 done, nothing wrong; 1 the command ran and found a problem (a broken
# audit chain, rows an import refused, a refused policy check); 2 it could not run as asked: usage (argparse),
# configuration (ASNFLOW_*), or a database it cannot use.
OK, PROBLEM, USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except ConfigurationError as exc:
        print(f"asnflow: {exc}", file=sys.stderr)
        code = USAGE
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:
        sentence = _database_problem(exc)
        if sentence is None:
            raise
        print(f"asnflow {args.command}: {sentence}", file=sys.stderr)
        code = USAGE
    sys.exit(code)
