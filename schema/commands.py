"""``asnflow serve`` and ``asnflow demo``: run the GraphQL service under uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from schema.metrics import MULTIPROCESS_ENV
from server import migrate as migrations
from server.db import Database
from server.demo_secret import ensure_demo_secret
from server.logs import configure as configure_logs
from server.settings import Settings, get_settings


def app_from_env() -> Any:
    """The uvicorn factory (``schema.commands:app_from_env``): one app per worker process."""
    from schema.app import create_app
    from server.heap import freeze_startup_heap

    settings = get_settings()
    configure_logs(settings.log_level)
    settings.check_serving()
    app = create_app(settings)
    freeze_startup_heap()
    return app


def _check_workers(settings: Settings, workers: int) -> None:
    if workers > 1 and settings.is_sqlite:
        raise SystemExit(
            f"asnflow serve: --workers {workers} is refused on SQLite: an embedded SQLite file allows one "
            "writer process at a time, so extra workers would only wait on each other's locks. "
            "Use one worker, or set ASNFLOW_DATABASE_URL to a PostgreSQL database to run several."
        )


@contextlib.contextmanager
def _shared_metrics(workers: int) -> Iterator[None]:
    """Several workers write their metrics to one directory so that ``/metrics`` sums them.

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is used (and emptied first, as prometheus_client asks);
    otherwise a temporary one lives as long as the server.
    """
    if workers <= 1:
        yield
        return
    given = os.environ.get(MULTIPROCESS_ENV)
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    directory = tempfile.mkdtemp(prefix="asnflow-metrics-")
    os.environ[MULTIPROCESS_ENV] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROCESS_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def _serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.check_serving()
    settings.check_production()
    _check_workers(settings, args.workers)
    with _shared_metrics(args.workers):
        uvicorn.run(
            "schema.commands:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            access_log=False,
            ws_max_size=settings.max_ws_message_bytes,
        )
    return 0


async def _prepare_demo(settings: Settings) -> list[dict[str, Any]]:
    from server.seed import is_empty, personas, seed

    await asyncio.to_thread(migrations.upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        if await is_empty(db):
            print("seeding the 'small' demo data set (about 2,000 employees) ...")
            await seed(db, size="small", seed=1, progress=sys.stderr.isatty())
        return await personas(db)
    finally:
        await db.dispose()


def _use_demo_secret(settings: Settings) -> Settings:
    """ASNFLOW_SECRET if set; otherwise the database's own demo secret, handed to the server it starts.

    Outside production the demo also turns on the console's persona picker (``POST /demo/token``)."""
    if settings.secret_source != "env":
        os.environ["ASNFLOW_SECRET"] = ensure_demo_secret(settings.database_url)
    if not settings.production:
        os.environ["ASNFLOW_DEMO_SIGN_IN"] = "1"
    get_settings.cache_clear()
    return get_settings()


def _demo(args: argparse.Namespace) -> int:
    settings = _use_demo_secret(get_settings())
    people = asyncio.run(_prepare_demo(settings))
    url = f"http://{args.host}:{args.port}/graphql"
    print(
        f"\nasnflow demo on {settings.database_url}\n  the console (start the tour here): http://{args.host}:{args.port}/"
    )
    print(f"  GraphQL (and GraphiQL in a browser): {url}\n")
    print("Demo personas (user id: roles):")
    for p in people:
        roles = ", ".join(f"{r['role']}@{r['unitCode']}" if r["unitCode"] else r["role"] for r in p["roles"])
        print(f"  {p['userId']:<20} {p['name']:<36} {roles}")
    print("\nA token for one of them:  asnflow token USER_ID")
    print(
        f"Then:  curl -H 'Authorization: Bearer TOKEN' -H 'Content-Type: application/json' "
        f'-d \'{{"query":"{{ viewer {{ userId roles {{ role unitCode }} }} }}"}}\' {url}\n'
    )
    uvicorn.run(
        "schema.commands:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=settings.max_ws_message_bytes,
    )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the GraphQL API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only when more than 1)")
    p.set_defaults(func=_serve)
    p = sub.add_parser("demo", help="migrate, seed the small data set if empty, and serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_demo)
