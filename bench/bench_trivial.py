"""CPU per trivial authenticated request: ``{ viewer { userId } }`` as the BKD verifier persona.

    .venv/bin/python -m bench.bench_trivial                        # both engines, both measures
    .venv/bin/python -m bench.bench_trivial --engine sqlite --mode server --count 3000
    .venv/bin/python -m bench.bench_trivial --engine sqlite --mode asgi --count 2000 --profile

Each engine gets a fresh database (SQLite in a temporary folder; PostgreSQL created through
``--pg-admin`` and dropped after), migrated and seeded ``small``. Two measures, named apart:

* ``server``: the figure that counts. ``asnflow serve`` (one worker, uvicorn with httptools, the access
  line on, as served) in a process of its own; this process sends sequential keep-alive requests
  (``http.client``) after a warm-up and reads the server's user + system CPU time from
  ``/proc/<pid>/stat`` before and after: the server's CPU divided by the count. The client's CPU is
  not in it. It includes uvicorn's HTTP parsing and the event loop's wake-ups, which a real server pays.
* ``asgi``: the app of schema/app.py in this process, called as an ASGI app with hand-made messages
  (no HTTP, no client library, access line off as an app built in code has it): this process's CPU
  time (``time.process_time``) divided by the count. The app's own share; ``--profile`` profiles this
  one with pyinstrument (a text report per engine in ``--out``'s folder).

``--repeat`` runs each measure several times and keeps every run: report the minimum (the machine is
shared).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

QUERY = json.dumps({"query": "{ viewer { userId } }"}).encode()
SECRET = "trivial-bench-secret-with-enough-bytes-for-hs256"
TODAY = dt.date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 200


async def _database(engine: str, pg_admin: str, folder: Path) -> tuple[str, str | None]:
    """A migrated, seeded database's URL and, for PostgreSQL, its name to drop."""
    from server import migrate
    from server.db import Database
    from server.seed.run import seed

    name = None
    if engine == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'trivial.db'}"
    else:
        import asyncpg  # type: ignore[import-untyped]

        name = f"asnflow_trivial_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = pg_admin.rsplit("/", 1)[0] + "/" + name
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        await seed(db, size="small", seed=1, progress=False)
    finally:
        await db.dispose()
    return url, name


async def _drop(pg_admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_admin.replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _verifier(url: str) -> str:
    from server.db import Database
    from server.seed.personas import persona_user_ids

    db = Database(url)
    try:
        return (await persona_user_ids(db))["bkd_verifier"]
    finally:
        await db.dispose()


def _token(user_id: str) -> str:
    from server.auth import issue_token
    from server.settings import Settings

    return issue_token(Settings(secret=SECRET), user_id)


# --- the served process --------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _served(url: str, folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``asnflow serve`` on a free port, one worker, its log lines (the access line) to a file."""
    port = _free_port()
    env = dict(os.environ)
    env.update(
        ASNFLOW_DATABASE_URL=url,
        ASNFLOW_SECRET=SECRET,
        ASNFLOW_TODAY=TODAY.isoformat(),
        ASNFLOW_ENV="dev",
        ASNFLOW_CHECKPOINT_FILE=str(folder / "checkpoints.jsonl"),
        ASNFLOW_CHECKPOINT_KEY=str(folder / "checkpoint.key"),
    )
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve", "--port", str(port)]
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text()[-3000:])
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            time.sleep(0.2)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def measure_server(url: str, verifier: str, count: int, repeat: int) -> list[tuple[float, float]]:
    """Server CPU milliseconds per request (user, system), one pair per repetition."""
    headers = {"Authorization": f"Bearer {_token(verifier)}", "Content-Type": "application/json"}
    expected = {"data": {"viewer": {"userId": verifier}}}
    with tempfile.TemporaryDirectory() as tmp, _served(url, Path(tmp)) as (process, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def one() -> None:
            conn.request("POST", "/graphql", body=QUERY, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 or json.loads(body) != expected:
                raise RuntimeError(body.decode())

        for _ in range(WARM_UP):
            one()
        results = []
        for _ in range(repeat):
            user, system = _cpu_seconds(process.pid)
            for _ in range(count):
                one()
            after = _cpu_seconds(process.pid)
            results.append(((after[0] - user) / count * 1000, (after[1] - system) / count * 1000))
        conn.close()
    return results


# --- the app in this process -------------------------------------------------------------------------


async def measure_asgi(url: str, verifier: str, count: int, repeat: int, profile: Path | None) -> list[float]:
    """This process's CPU milliseconds per request (the app called directly), one figure per repetition."""
    from schema.app import create_app
    from server.db import Database
    from server.settings import Settings

    db = Database(url)
    settings = Settings(database_url=url, secret=SECRET, env="dev", today=TODAY)
    app: Any = create_app(settings, db)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {_token(verifier)}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(QUERY)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    expected = {"data": {"viewer": {"userId": verifier}}}

    async def one() -> None:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": QUERY, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(dict(scope), receive, send)
        if sent[0]["status"] != 200 or json.loads(sent[1]["body"]) != expected:
            raise RuntimeError(sent)

    try:
        for _ in range(WARM_UP):
            await one()
        results = []
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
    return results


def _shown(runs: list[float]) -> str:
    return ", ".join(f"{r:.3f}" for r in runs) + f" (min {min(runs):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--mode", choices=["server", "asgi", "both"], default="both")
    parser.add_argument("--pg-admin", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile the asgi measure (pyinstrument)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/asnflow_trivial"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            url, dropped = asyncio.run(_database(engine, args.pg_admin, Path(tmp)))
            try:
                verifier = asyncio.run(_verifier(url))
                if args.mode in ("server", "both"):
                    pairs = measure_server(url, verifier, args.count, args.repeat)
                    split = ", ".join(f"{u:.3f}+{s:.3f}" for u, s in pairs)
                    print(
                        f"{engine} server: {args.count} requests x {args.repeat}: server CPU ms/request "
                        f"{_shown([u + s for u, s in pairs])}; user+system {split}"
                    )
                if args.mode in ("asgi", "both"):
                    report = args.out / f"profile_{engine}.txt" if args.profile else None
                    runs = asyncio.run(measure_asgi(url, verifier, args.count, args.repeat, report))
                    print(f"{engine} asgi: {args.count} requests x {args.repeat}: app CPU ms/request {_shown(runs)}")
                    if report is not None:
                        print(f"  profile: {report}")
            finally:
                if dropped is not None:
                    asyncio.run(_drop(args.pg_admin, dropped))


if __name__ == "__main__":
    main()
