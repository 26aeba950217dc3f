"""CPU per request in one process, for working on the hot paths (not a benchmark: no server, no load).

    .venv/bin/python -m bench.profile_requests --prepare /tmp/prof.url          # once: seed + placements
    .venv/bin/python -m bench.profile_requests --url "$(cat /tmp/prof.url)" --op mytasks --count 300
    .venv/bin/python -m bench.profile_requests --url "$(cat /tmp/prof.url)" --op act --count 300 --profile

``--prepare`` creates a PostgreSQL database (through ``--pg-admin``), seeds it (``--size``, default
``jakarta``) and proposes placements waiting for the BKD verifier, then writes the database's URL to the
given file. The measuring run drives the app in-process through httpx's ASGI transport (the GraphQL app,
or with ``--op mytasks_bare``/``positions_bare`` the bare reference) and prints the process CPU time and
wall time per request; ``--profile`` writes pyinstrument reports (HTML and text) next to the URL file. ``act`` uses
each prepared request once: re-prepare when they run out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

from bench.run_all import ACT_QUERY, BARE_MY_TASKS, BARE_POSITIONS, MY_TASKS_QUERY, POSITIONS_QUERY, TODAY

SECRET = "profile-secret-with-enough-bytes-for-hs256"


def prepare(pg_admin: str, size: str, wanted: int, out: Path) -> None:
    import asyncpg  # type: ignore[import-untyped]

    from bench.bench_act import _prepare
    from server import migrate

    name = f"asnflow_profile_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(pg_admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    url = pg_admin.rsplit("/", 1)[0] + "/" + name
    migrate.upgrade(url)
    prep = asyncio.run(_prepare(url, wanted, 8, True, size=size))
    out.write_text(url)
    Path(str(out) + ".ids").write_text(json.dumps({"verifier": prep.verifier, "ids": prep.request_ids}))
    print(f"{url}: {len(prep.request_ids)} placements wait for {prep.verifier}")


async def measure(
    url: str,
    saved: dict[str, Any],
    op: str,
    count: int,
    profile: bool,
    statements: bool = False,
    freeze: bool = False,
) -> tuple[str, str]:
    """Runs the requests; returns the profile as HTML and text (empty without ``profile``). With
    ``statements``, counts the SQL statements of each measured request (``server.statements_seen.watching``: a ``before_cursor_execute``
    listener, as run_all's) and prints the mean and the last request's statements. With ``freeze``, the
    heap is frozen after the warm-up as ``asnflow serve`` freezes it after start-up (server/heap.py): the
    full garbage-collector passes over the start-up heap then no longer count in the figure."""
    import httpx

    from bench.bare import create_bare_app
    from schema.app import create_app
    from server.auth import issue_token
    from server.db import Database
    from server.settings import Settings
    from server.statements_seen import watching

    settings = Settings(database_url=url, secret=SECRET, env="dev", today=TODAY)
    db = Database(url)
    app: Any = create_bare_app(settings, db) if op.endswith("_bare") else create_app(settings, db)
    headers = {
        "Authorization": f"Bearer {issue_token(settings, saved['verifier'])}",
        "Content-Type": "application/json",
    }
    acts: list[int] = saved["ids"]
    body_for = {
        "mytasks": ("POST", "/graphql", json.dumps({"query": MY_TASKS_QUERY})),
        "positions": ("POST", "/graphql", json.dumps({"query": POSITIONS_QUERY})),
        "mytasks_bare": ("GET", BARE_MY_TASKS, None),
        "positions_bare": ("GET", BARE_POSITIONS, None),
    }

    def request() -> tuple[str, str, str | None]:
        if op == "act":
            rid = acts.pop(0)
            return "POST", "/graphql", json.dumps({"query": ACT_QUERY, "variables": _act_vars(rid)})
        return body_for[op]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://profile") as client:

        async def one() -> None:
            method, path, body = request()
            r = await client.request(method, path, content=body, headers=headers)
            r.raise_for_status()
            if op == "act":
                answer = r.json()
                if answer.get("errors") or answer["data"]["act"]["errors"]:
                    raise RuntimeError(answer)

        for _ in range(min(20, count)):  # warm-up
            await one()
        if freeze:
            from server.heap import freeze_startup_heap

            freeze_startup_heap()
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled", interval=0.0005)
            profiler.start()
        seen: list[str] = []
        counts: list[int] = []

        def on_execute(*args: Any) -> None:
            seen.append(" ".join(str(args[2]).split()))

        # also the statements the compiled read path sends to asyncpg directly
        watch = watching(db.engine.sync_engine, on_execute) if statements else contextlib.nullcontext()
        with watch:
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(count):
                seen.clear()
                await one()
                counts.append(len(seen))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if statements:
            print(f"{op}: {sum(counts) / len(counts):.2f} statements per request; the last request's:")
            for sql in seen:
                print(f"  {sql[:200]}")
        reports = ("", "")
        if profiler is not None:
            profiler.stop()
            reports = (profiler.output_html(), profiler.output_text(show_all=False, short_mode=False))
    saved["ids"] = acts
    await db.dispose()
    print(f"{op}: {count} requests, CPU {cpu / count * 1000:.2f} ms/req, wall {wall / count * 1000:.2f} ms/req")
    return reports


def _act_vars(rid: int) -> dict[str, Any]:
    return {"input": {"requestId": str(rid), "action": "verify"}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prepare", type=Path, help="seed a new database and write its URL to this file")
    p.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    p.add_argument("--size", default="jakarta", choices=["small", "jakarta"])
    p.add_argument("--placements", type=int, default=3000)
    p.add_argument("--url-file", type=Path, default=Path("/tmp/prof.url"))
    p.add_argument("--op", default="mytasks", choices=["mytasks", "positions", "mytasks_bare", "positions_bare", "act"])
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--statements", action="store_true", help="count SQL statements per request and list them")
    p.add_argument("--freeze", action="store_true", help="freeze the heap after the warm-up, as asnflow serve does")
    a = p.parse_args()
    if a.prepare:
        prepare(a.pg_admin, a.size, a.placements, a.prepare)
        return
    url = a.url_file.read_text().strip()
    ids_file = Path(f"{a.url_file}.ids")
    saved = json.loads(ids_file.read_text())
    html, text = asyncio.run(measure(url, saved, a.op, a.count, a.profile, a.statements, a.freeze))
    ids_file.write_text(json.dumps(saved))
    if a.profile:
        out = Path(f"{a.url_file}.{a.op}.html")
        out.write_text(html)
        out.with_suffix(".txt").write_text(text)
        print(f"profile: {out} and {out.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
