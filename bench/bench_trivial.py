"""CPU per trivial authenticated request: ``{ viewer { userId } }`` as the BKD verifier persona, in process.

    .venv/bin/python -m bench.bench_trivial                       # SQLite and PostgreSQL, 2000 requests each
    .venv/bin/python -m bench.bench_trivial --engine sqlite --count 500 --profile

Each engine gets a fresh database (SQLite in a temporary folder; PostgreSQL created through
``--pg-admin`` and dropped after), migrated and seeded ``small``. The app from schema/app.py is driven
through httpx's ASGI transport: sequential requests after a warm-up, the process CPU time
(``time.process_time``) divided by the count. The figure includes httpx's client side (about a tenth of
a millisecond); ``--repeat`` runs the measure several times and keeps every run (report the minimum: the
machine is shared). ``--profile`` writes a pyinstrument text report per engine to ``--out``'s folder.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

QUERY = json.dumps({"query": "{ viewer { userId } }"})
SECRET = "trivial-bench-secret-with-enough-bytes-for-hs256"
TODAY = dt.date(2026, 3, 2)


async def _database(engine: str, pg_admin: str, folder: Path) -> tuple[str, str | None]:
    """A migrated, seeded database's URL and, for PostgreSQL, its name to drop."""
    from server import migrate

    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'trivial.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        return url, None
    import asyncpg  # type: ignore[import-untyped]

    name = f"asnflow_trivial_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = pg_admin.rsplit("/", 1)[0] + "/" + name
    await asyncio.to_thread(migrate.upgrade, url)
    return url, name


async def _drop(pg_admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def run(engine: str, pg_admin: str, count: int, repeat: int, profile: Path | None) -> list[float]:
    """CPU milliseconds per request, one figure per repetition."""
    import httpx

    from schema.app import create_app
    from server.auth import issue_token
    from server.db import Database
    from server.seed.personas import persona_user_ids
    from server.seed.run import seed
    from server.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url, dropped = await _database(engine, pg_admin, Path(tmp))
        db = Database(url)
        try:
            await seed(db, size="small", seed=1, progress=False)
            verifier = (await persona_user_ids(db))["bkd_verifier"]
            settings = Settings(database_url=url, secret=SECRET, env="dev", today=TODAY)
            app: Any = create_app(settings, db)
            headers = {"Authorization": f"Bearer {issue_token(settings, verifier)}", "Content-Type": "application/json"}
            transport = httpx.ASGITransport(app=app)
            results: list[float] = []
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def one() -> None:
                    r = await client.post("/graphql", content=QUERY, headers=headers)
                    r.raise_for_status()
                    if r.json() != {"data": {"viewer": {"userId": verifier}}}:
                        raise RuntimeError(r.text)

                for _ in range(100):  # warm-up: caches, pools, imports
                    await one()
                for _ in range(repeat):
                    cpu = time.process_time()
                    for _ in range(count):
                        await one()
                    results.append((time.process_time() - cpu) / count * 1000)
                if profile is not None:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="enabled", interval=0.0002)
                    profiler.start()
                    for _ in range(count):
                        await one()
                    profiler.stop()
                    tree = profiler.output_text(show_all=False, short_mode=False)
                    flat = profiler.output_text(flat=True, flat_time="total", show_all=True)
                    await asyncio.to_thread(profile.write_text, tree + "\n\nFunctions by total time:\n" + flat)
        finally:
            await db.dispose()
            if dropped is not None:
                await _drop(pg_admin, dropped)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-admin", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="write a pyinstrument text report per engine")
    parser.add_argument("--out", type=Path, default=Path("/tmp/asnflow_trivial"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    for engine in engines:
        report = args.out / f"profile_{engine}.txt" if args.profile else None
        runs = asyncio.run(run(engine, args.pg_admin, args.count, args.repeat, report))
        shown = ", ".join(f"{r:.3f}" for r in runs)
        print(f"{engine}: {args.count} requests x {args.repeat}: CPU ms/request {shown} (min {min(runs):.3f})")
        if report is not None:
            print(f"  profile: {report}")


if __name__ == "__main__":
    main()
