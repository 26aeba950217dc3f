"""Verification throughput and memory over a large audit log.

    .venv/bin/python bench/bench_audit_verify.py                      # 100,000 and 1,000,000 events on SQLite
    .venv/bin/python bench/bench_audit_verify.py --events 100000 --postgres postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python bench/bench_audit_verify.py --events 200000 --workers 1 --skip-sqlite --postgres ...  # quick

Builds a valid chain (hashes from ``server.audit.encoding.event_hash``, the writer's function) in a
migrated temporary database by bulk insert, in chunks so generation itself stays small, then runs
``server.audit.verify.verify`` in a fresh child process and reports events/s and that process's peak
RSS. Running two sizes shows whether memory depends on the length of the log. ``--write FILE``
writes the markdown table (bench/results/audit_verify.md).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.audit.encoding import GENESIS_HASH, event_hash  # noqa: E402

CHUNK = 20_000
COLUMNS = [
    *("seq", "at", "actor", "on_behalf_of", "actor_roles", "action", "entity_type", "entity_id", "request_id"),
    *("correlation_id", "from_state", "to_state", "before", "after", "comment", "definition_version"),
    *("rule_versions", "prev_hash", "hash"),
]
STATES = ["draft", "unit_review", "bkd_verification", "board", "approved", "effective"]


def events(count: int) -> Iterator[list[dict[str, Any]]]:
    """Chained events shaped like the workflow's (a transition with before/after), in chunks."""
    start = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    prev = GENESIS_HASH
    chunk: list[dict[str, Any]] = []
    for seq in range(1, count + 1):
        step = seq % (len(STATES) - 1)
        row = {
            "seq": seq,
            "at": start + dt.timedelta(milliseconds=seq * 37, microseconds=seq % 997),
            "actor": f"19{seq % 89:02d}0101201001100{seq % 10}",
            "on_behalf_of": None,
            "actor_roles": ["unit_hr"] if seq % 3 else ["bkd_verifier", "unit_head"],
            "action": "request.forward",
            "entity_type": "request",
            "entity_id": str(seq // 6 + 1),
            "request_id": seq // 6 + 1,
            "correlation_id": uuid.UUID(int=seq).hex,
            "from_state": STATES[step],
            "to_state": STATES[step + 1],
            "before": {"state": STATES[step], "version": seq % 7},
            "after": {"state": STATES[step + 1], "version": seq % 7 + 1},
            "comment": "diteruskan" if seq % 4 == 0 else None,
            "definition_version": "transfer/2026-01",
            "rule_versions": {"min_years_in_rank": "2024-01-01"},
            "prev_hash": prev,
        }
        row["hash"] = prev = event_hash(row)
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _json(value: Any) -> str:
    from server.db import json_text  # here, not at the top: verification workers import this module again

    return json_text(value)  # what the engine's JSON serializer stores (server.db.json_text)


def fill_sqlite(path: Path, count: int) -> None:
    from server import migrate

    migrate.upgrade(f"sqlite:///{path}")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    sql = f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    last = (0, GENESIS_HASH)
    for chunk in events(count):
        conn.executemany(
            sql,
            [
                tuple(
                    r[c].strftime("%Y-%m-%d %H:%M:%S.%f")
                    if c == "at"
                    else _json(r[c])
                    if c in ("actor_roles", "before", "after", "rule_versions")
                    else r[c]
                    for c in COLUMNS
                )
                for r in chunk
            ],
        )
        last = (chunk[-1]["seq"], chunk[-1]["hash"])
        conn.commit()
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", last)
    conn.commit()
    conn.close()


async def fill_postgres(url: str, count: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    last = (0, GENESIS_HASH)
    for chunk in events(count):
        records = [
            tuple(_json(r[c]) if c in ("actor_roles", "before", "after", "rule_versions") else r[c] for c in COLUMNS)
            for r in chunk
        ]
        await conn.copy_records_to_table("audit_events", records=records, columns=COLUMNS)
        last = (chunk[-1]["seq"], chunk[-1]["hash"])
    await conn.execute("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", *last)
    await conn.execute("ANALYZE audit_events")
    await conn.close()


def verify_child(url: str, workers: int) -> None:
    """Run in a fresh process: verify once, print JSON with the timing and peak RSS (of the workers too)."""
    from server.audit.verify import verify
    from server.db import Database

    async def run() -> dict[str, Any]:
        db = Database(url)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        report = await verify(db, workers=workers)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        await db.dispose()
        return {
            "ok": report.ok,
            "events": report.checked_events,
            "workers": workers,
            "seconds": elapsed,
            "cpu_seconds": cpu + children.ru_utime + children.ru_stime,
            "rss_before_kib": rss_before,
            "rss_peak_kib": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss),
            "load": os.getloadavg()[0],
        }

    print(json.dumps(asyncio.run(run())))


def measure(url: str, workers: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--verify-child", url, "--workers", str(workers)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise SystemExit(f"the generated chain did not verify: {result}")
    return result


def _pg_database(admin_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"asnflow_bench_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(admin_url)
        await conn.execute(f"CREATE DATABASE {name}")
        await conn.close()

    asyncio.run(create())
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def _pg_drop(admin_url: str, name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(admin_url)
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.close()

    asyncio.run(drop())


def measure_repeated(url: str, workers: int, repeat: int) -> dict[str, Any]:
    """``repeat`` runs, alternating nothing else: the median run, with every run's rate kept in ``runs``.

    The machine is shared, so one run can be slowed by whatever else runs then (the load average is
    recorded before each run); the median of several is the figure to quote.
    """
    runs = []
    for _ in range(repeat):
        load_before = os.getloadavg()[0]
        result = measure(url, workers)
        result["load_before"] = load_before
        result["rate"] = result["events"] / result["seconds"]
        runs.append(result)
    runs.sort(key=lambda r: r["rate"])
    median = dict(runs[len(runs) // 2])
    median["runs"] = [r["rate"] for r in runs]
    median["rss_peak_kib"] = max(r["rss_peak_kib"] for r in runs)
    return median


def run_size(engine: str, count: int, pg_admin: str | None, workers: list[int], repeat: int) -> list[dict[str, Any]]:
    started = time.perf_counter()
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            fill_sqlite(path, count)
            built = time.perf_counter() - started
            results = [measure_repeated(f"sqlite:///{path}", w, repeat) for w in workers]
    else:
        assert pg_admin is not None
        name, url = _pg_database(pg_admin)
        try:
            from server import migrate

            migrate.upgrade(url)
            asyncio.run(fill_postgres(url, count))
            built = time.perf_counter() - started
            results = [measure_repeated(url, w, repeat) for w in workers]
        finally:
            _pg_drop(pg_admin, name)
    for result in results:
        result.update(engine=engine, build_seconds=built)
        result["cpu_rate"] = result["events"] / result["cpu_seconds"]
        runs = ", ".join(f"{rate:,.0f}" for rate in result["runs"])
        print(
            f"{engine:9} {result['events']:>10,} events  {result['workers']} worker(s)  {result['seconds']:6.2f} s  "
            f"{result['rate']:>10,.0f} events/s (runs: {runs}; CPU: {result['cpu_rate']:,.0f} events per "
            f"CPU-second)  peak RSS {result['rss_peak_kib'] / 1024:6.1f} MiB  load {result['load_before']:.1f}",
            flush=True,
        )
    return results


NOTES_MARKER = "<!-- notes: kept when --write rewrites the table -->"


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Audit chain verification benchmark",
        "",
        "`bench/bench_audit_verify.py`: a valid chain of workflow-shaped events (before/after, roles, rule",
        "versions) bulk-inserted into a migrated database, then `server.audit.verify.verify` run once in a",
        "fresh process. Peak RSS is the largest `ru_maxrss` of that process and its worker processes",
        "(interpreter and imports included); equal figures for 100,000 and 1,000,000 events show memory",
        "does not grow with the log. Events per CPU-second counts the verifier's processes, not the",
        "database server's. The machine is shared: each line is the median of the runs listed (events/s),",
        "and the load average is the one-minute figure just before the median run.",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, "
        f"Python {platform.python_version()}, {dt.date.today().isoformat()}.",
        "",
        "| engine | events | processes | seconds | events/s | runs (events/s) | events per CPU-second | "
        "peak RSS (MiB) | RSS after imports (MiB) | load average |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['events']:,} | {r['workers']} | {r['seconds']:.2f} | {r['rate']:,.0f} | "
            f"{' / '.join(f'{rate:,.0f}' for rate in r['runs'])} | {r['cpu_rate']:,.0f} | "
            f"{r['rss_peak_kib'] / 1024:.1f} | {r['rss_before_kib'] / 1024:.1f} | {r['load_before']:.1f} |"
        )
    lines += ["", "Target: at least 200,000 events/s in constant memory.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, action="append", help="sizes to run (default 100000 and 1000000)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also run on PostgreSQL (a database is created)")
    parser.add_argument("--write", type=Path, help="write the markdown results to this file")
    parser.add_argument("--workers", type=int, action="append", help="verification processes (default 1 and 2)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is reported")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only (with --postgres)")
    parser.add_argument("--verify-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_child:
        verify_child(args.verify_child, (args.workers or [1])[0])
        return
    sizes = args.events or [100_000, 1_000_000]
    workers = args.workers or [1, 2]
    results = [] if args.skip_sqlite else [r for n in sizes for r in run_size("sqlite", n, None, workers, args.repeat)]
    if args.postgres:
        results += [r for n in sizes for r in run_size("postgres", n, args.postgres, workers, args.repeat)]
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        notes = args.write.read_text() if args.write.exists() else ""
        kept = notes[notes.index(NOTES_MARKER) :] if NOTES_MARKER in notes else ""  # hand-written notes stay
        args.write.write_text(markdown(results) + ("\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
