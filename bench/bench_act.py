"""Throughput and latency of the ``act`` mutation through real server processes, at Jakarta's size.

    .venv/bin/python -m bench.bench_act --backends sqlite,postgres --clients 20 --duration 20

For each backend it creates a fresh database (a SQLite file in a temporary directory, or a PostgreSQL
database on ``--pg``), migrates it, seeds ``jakarta`` (about 65,000 employees) and, through the service
functions, has the BKD official propose ``--requests`` placements of distinct employees into vacant
non-managerial posts. Each waits at ``proposed`` for a BKD verifier's ``verify``: the step that runs six
guards (slot_vacant, managerial_requirements, predicate_last_two_years, no_active_sanction,
rank_in_position_range, not_near_retirement), checks segregation of duties, opens the next task and
appends the audit event. Only requests whose guards pass in-process are kept, so every ``verify`` should
succeed. (No step runs guards *and* effects besides the evaluation's objection; placement effects run on
the scheduler's ``take_effect``.)

Per run (SQLite: one process; PostgreSQL: ``--pg-workers``, default one and two processes) a copy of the
prepared database is served by ``asnflow serve [--workers N]`` on a loopback port with
ASNFLOW_TODAY=2026-11-28, and this process (separate from the server) drives it with ``--clients``
connections of ``wrk`` (bench/wrkload.py: a Lua script gives each request the next unused request id
and checks every answer for an empty ``errors`` list), each POSTing ``act(verify)`` with the verifier's
bearer token. A 1 s warm-up is not counted; then the run lasts ``--duration`` seconds (or until the
prepared requests run out). Afterwards the audit chain of the run's database is verified. The whole
suite (reads, acts, a mixed load, the bare reference) is bench/run_all.py.

Last, in-process (the real ASGI app over httpx's ASGI transport, no network), ``--inprocess`` acts are
taken one at a time to measure what one act costs: SQL statements per act (a ``before_cursor_execute``
listener), the time inside ``server.audit.writer.append`` (wrapped), and the same acts with ``append``
replaced by a no-op (the audit's share). Results go to ``bench/RESULTS-act.md`` (``--write``) and stdout;
text below the notes marker of an existing results file is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select, text

from bench.wrkload import remaining_ids, run_wrk, write_script
from policies.viewer import Viewer, load_viewer
from server import migrate
from server.audit.verify import verify
from server.auth import issue_token
from server.db import Database
from server.domain.ranks import rank_index
from server.models import Assignment, Employee, Position
from server.seed import REFERENCE_DATE, persona_user_ids, seed
from server.settings import Settings
from workflows import guards
from workflows.loading import load
from workflows.service import propose_placement

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS-act.md"
NOTES_MARKER = "<!-- notes below are kept when bench_act.py rewrites this file -->"
SECRET = "bench-act-secret-0123456789abcdef0123456789"
TODAY = REFERENCE_DATE  # the seeded world's "today"; the server is pinned to it with ASNFLOW_TODAY
EFFECTIVE = dt.date(2026, 12, 1)
ACTION = "verify"
START_TIMEOUT = 60.0
HTTP_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
ACT_QUERY = (
    "mutation Act($input: ActInput!) { act(input: $input) { request { id state version } errors { code message } } }"
)


def log(message: str) -> None:
    print(f"[bench_act {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# databases


class Backend:
    """Fresh databases of one kind: create, copy (the prepared one as a template) and drop."""

    name: str

    def create(self) -> str:
        raise NotImplementedError

    def copy(self, url: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def create(self) -> str:
        return f"sqlite:///{self.directory / f'act-{uuid.uuid4().hex[:8]}.db'}"

    def copy(self, url: str) -> str:
        target = self.create()
        with (
            sqlite3.connect(url.removeprefix("sqlite:///")) as source,
            sqlite3.connect(target.removeprefix("sqlite:///")) as dest,
        ):
            source.backup(dest)
        return target

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.base = admin_url.rsplit("/", 1)[0]

    def _exec(self, sql: str) -> None:
        import asyncpg  # type: ignore[import-untyped,unused-ignore]

        async def run() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(run())

    def create(self, template: str | None = None) -> str:
        name = f"asnflow_bench_act_{uuid.uuid4().hex[:10]}"
        self._exec(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return f"{self.base}/{name}"

    def copy(self, url: str) -> str:
        return self.create(template=url.rsplit("/", 1)[1])

    def drop(self, url: str) -> None:
        self._exec(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


# --------------------------------------------------------------------------------------------------------------
# preparing requests that wait for a verifier


@dataclass
class Prepared:
    url: str
    verifier: str
    request_ids: list[int]
    seed_seconds: float
    propose_seconds: float
    proposed: int
    analyzed: bool


async def _placement_pairs(db: Database, wanted: int) -> list[tuple[str, str]]:
    """(employee NIP, vacant non-managerial position code) pairs whose rank fits, spread over many posts.

    The post is in the employee's own unit: a placement moves nobody out of another unit (the guard
    ``placement_within_unit``; moving between units is a transfer), so a pair across units would be refused.
    """
    async with db.read() as s:
        holders = (
            select(Assignment.position_id, func.count().label("n"))
            .where(Assignment.kind == "definitive", Assignment.start_date <= TODAY, Assignment.end_date.is_(None))
            .group_by(Assignment.position_id)
            .subquery()
        )
        vacant = (
            await s.execute(
                select(
                    Position.code, Position.unit_id, Position.min_rank, Position.max_rank, Position.quota, holders.c.n
                )
                .outerjoin(holders, holders.c.position_id == Position.id)
                .where(Position.managerial.is_(False))
                .order_by(Position.id)
            )
        ).all()
        post_now = (
            select(Assignment.employee_id, Position.unit_id)
            .join(Position, Position.id == Assignment.position_id)
            .where(Assignment.kind == "definitive", Assignment.start_date <= TODAY, Assignment.end_date.is_(None))
            .subquery()
        )
        people = (
            await s.execute(
                select(Employee.nip, Employee.rank_code, post_now.c.unit_id)
                .join(post_now, post_now.c.employee_id == Employee.id)
                .where(Employee.employment_type == "PNS", Employee.rank_code.is_not(None))
                .order_by(Employee.id)
            )
        ).all()
    posts: dict[int, list[tuple[str, str, str]]] = {}
    for p in vacant:
        if (p.n or 0) < p.quota:
            posts.setdefault(p.unit_id, []).append((p.code, p.min_rank or "I/a", p.max_rank or "IV/e"))
    pairs: list[tuple[str, str]] = []
    turn: dict[int, int] = {}
    # every third employee first (a spread over units, ages and careers), then the others while more are wanted
    for person in [*people[::3], *people[1::3], *people[2::3]]:
        rank = rank_index(person.rank_code)
        mine = posts.get(person.unit_id, [])
        start = turn.get(person.unit_id, 0)
        for k in range(len(mine)):
            code, low, high = mine[(start + k) % len(mine)]
            if rank_index(low) <= rank <= rank_index(high):
                pairs.append((person.nip, code))
                turn[person.unit_id] = (start + k + 1) % len(mine)
                break
        if len(pairs) >= wanted:
            break
    return pairs


async def _passes_verify(db: Database, request_id: int) -> bool:
    async with db.read() as s:
        loaded = await load(s, request_id, lock=False)
        assert loaded is not None
        action = next(a for a in loaded.definition.actions_from(loaded.request.state) if a.name == ACTION)
        results = await guards.evaluate(action.guards, loaded.context(s, TODAY, {}))
    return not any(r.refuses for r in results)


async def _prepare(url: str, wanted: int, concurrency: int, analyze: bool, size: str = "jakarta") -> Prepared:
    db = Database(url, pool_size=max(concurrency, 5))
    try:
        started = time.perf_counter()
        report = await seed(db, size=size, seed=1, progress=False)
        seed_seconds = time.perf_counter() - started
        log(f"seeded {size} in {seed_seconds:.1f}s ({report.employees} employees)")
        ids = await persona_user_ids(db)
        async with db.read() as s:
            official: Viewer = await load_viewer(s, ids["bkd_official"], TODAY)
        pairs = await _placement_pairs(db, int(wanted * 2) + 50)  # proposing stops once enough pass
        started = time.perf_counter()
        gate = asyncio.Semaphore(concurrency)

        async def propose(nip: str, code: str) -> int | None:
            async with gate:
                result = await propose_placement(
                    db, official, employee_nip=nip, position_code=code, effective_date=EFFECTIVE, today=TODAY
                )
            return result.entity_id if result.ok else None

        kept: list[int] = []
        proposed = 0
        for i in range(0, len(pairs), 500):
            batch = [r for r in await asyncio.gather(*(propose(n, c) for n, c in pairs[i : i + 500])) if r]
            proposed += len(batch)
            checks = await asyncio.gather(*(_passes_verify(db, r) for r in batch))
            kept += [r for r, ok in zip(batch, checks, strict=True) if ok]
            log(f"proposed {proposed} placements, {len(kept)} pass the verify guards")
            if len(kept) >= wanted:
                break
        propose_seconds = time.perf_counter() - started
        if analyze:  # fresh statistics, as autovacuum (PostgreSQL) or an operator's ANALYZE would leave them
            async with db.engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
        return Prepared(url, ids["bkd_verifier"], kept[:wanted], seed_seconds, propose_seconds, proposed, analyze)
    finally:
        await db.dispose()


# --------------------------------------------------------------------------------------------------------------
# the server and the load


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(url: str, workers: int, workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``asnflow serve --workers N`` on a loopback port; the whole process group is stopped on exit."""
    port = _free_port()
    env = dict(os.environ)
    env.update(
        ASNFLOW_DATABASE_URL=url,
        ASNFLOW_SECRET=SECRET,
        ASNFLOW_TODAY=TODAY.isoformat(),
        ASNFLOW_ENV="dev",
        ASNFLOW_CHECKPOINT_FILE=str(workdir / "checkpoints.jsonl"),
        ASNFLOW_CHECKPOINT_KEY=str(workdir / "checkpoint.key"),
    )
    logfile = workdir / f"serve-{port}.log"
    cli = Path(sys.executable).with_name("asnflow")
    command = [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with logfile.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        healthy = 0
        while healthy < 3 * workers:  # several answers, so every worker has had the chance to come up
            if process.poll() is not None:
                raise RuntimeError(f"asnflow serve exited ({process.returncode}): {logfile.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"asnflow serve not healthy after {START_TIMEOUT}s: {logfile.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=2.0).status_code == 200:
                    healthy += 1
                    continue
            time.sleep(0.2)
        time.sleep(0.5 * workers)
        yield base, process
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(15)


@dataclass
class RunResult:
    backend: str
    processes: int
    clients: int
    measured: int = 0  # acts answered in the measured run (succeeded or failed)
    seconds: float = 0.0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    errors: Counter[str] = field(default_factory=Counter)
    exhausted: bool = False
    chain_ok: bool | None = None
    chain_events: int = 0
    samples: list[str] = field(default_factory=list)  # failed answers, one per wrk thread

    @property
    def rate(self) -> float:
        return self.measured / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return {50: self.p50_ms, 95: self.p95_ms, 99: self.p99_ms}[int(q)]


def _drive(
    base: str, token: str, request_ids: list[int], clients: int, duration: float, workdir: Path, result: RunResult
) -> None:
    """``wrk`` (bench/wrkload.py): a warm-up of about ``2 x clients`` acts, then ``duration`` seconds measured.

    Each request takes the next prepared request id (none is used twice, also across the two runs); every
    response is checked for an empty ``errors`` list.
    """
    body = json.dumps({"query": ACT_QUERY, "variables": {"input": {"requestId": "__ID__", "action": ACTION}}})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    left = [str(r) for r in request_ids]
    for phase, seconds in (("warm-up", 1.0), ("measured", duration)):
        ids_file = workdir / f"act-{phase}.ids"
        ids_file.write_text("\n".join(left) + "\n")
        script = write_script(
            workdir / f"act-{phase}.lua", mode="act", headers=headers, act_body=body, ids_file=ids_file
        )
        w = run_wrk(base, script, seconds=seconds, connections=clients)
        left = remaining_ids(left, w.acts_sent)
    result.measured = w.acts_ok + w.acts_failed
    result.seconds = w.seconds
    result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms = w.p50_ms, w.p95_ms, w.p99_ms, w.max_ms
    result.exhausted = w.ran_out
    if w.acts_failed:
        result.errors["act answered with errors or a status other than 200"] += w.acts_failed
    for kind, n in w.socket_errors.items():
        result.errors[f"socket {kind}"] += n
    result.samples = [x[:200] for x in w.samples]


async def _check_chain(url: str, result: RunResult) -> None:
    db = Database(url)
    try:
        report = await verify(db)
        result.chain_ok, result.chain_events = report.ok, report.checked_events
    finally:
        await db.dispose()


def run_load(
    backend: Backend, prepared: Prepared, workers: int, clients: int, duration: float, workdir: Path
) -> RunResult:
    url = backend.copy(prepared.url)
    result = RunResult(backend.name, workers, clients)
    try:
        token = issue_token(Settings(secret=SECRET), prepared.verifier, ttl_seconds=3600)
        with served(url, workers, workdir) as (base, _process):
            log(f"{backend.name}: {workers} process(es) up at {base}; {clients} clients for {duration:.0f}s")
            _drive(base, token, prepared.request_ids, clients, duration, workdir, result)
        asyncio.run(_check_chain(url, result))
        log(
            f"{backend.name} x{workers}: {result.measured} acts in {result.seconds:.1f}s = {result.rate:.0f}/s, "
            f"p50 {result.pct(50):.1f} ms, p95 {result.pct(95):.1f} ms, p99 {result.pct(99):.1f} ms, "
            f"errors {sum(result.errors.values())}, chain ok {result.chain_ok}"
        )
    finally:
        backend.drop(url)
    return result


# --------------------------------------------------------------------------------------------------------------
# one act in-process: statements, the audit's share


@dataclass
class InProcess:
    backend: str
    acts: int
    ms_per_act: float
    append_ms: float
    ms_per_act_without_append: float
    statements_per_act: float
    statement_kinds: list[tuple[str, float, float]]


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?([a-z_]+)", re.IGNORECASE)


def _kind(statement: str) -> str:
    words = statement.lstrip().split(None, 1)
    verb = words[0].upper() if words else "?"
    table = _TABLE.search(statement)
    return f"{verb} {table.group(1) if table else ''}".strip()


async def _in_process(url: str, verifier: str, request_ids: list[int], backend: str) -> InProcess:
    from schema.app import create_app
    from server import commands

    settings = Settings(database_url=url, secret=SECRET, env="test", today=TODAY)
    db = Database(url)
    app = create_app(settings, db)
    headers = {"Authorization": f"Bearer {issue_token(settings, verifier)}"}
    statements: list[str] = []
    timings: Counter[str] = Counter()
    append_seconds: list[float] = []
    original_append = getattr(commands, "append")  # noqa: B009 - patched below, for this measurement only

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)
        conn.info["bench_started"] = time.perf_counter()

    def after_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        timings[_kind(statement)] += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    async def timed_append(session: Any, entries: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original_append(session, entries)
        finally:
            append_seconds.append(time.perf_counter() - started)

    async def no_append(_session: Any, _entries: Any) -> list[Any]:
        return []

    async def acts(client: httpx.AsyncClient, ids: list[int]) -> float:
        started = time.perf_counter()
        for rid in ids:
            body = {"query": ACT_QUERY, "variables": {"input": {"requestId": str(rid), "action": ACTION}}}
            answer = (await client.post("/graphql", json=body, headers=headers)).json()
            assert not answer.get("errors") and not answer["data"]["act"]["errors"], answer
        return (time.perf_counter() - started) * 1000 / len(ids)

    half = len(request_ids) // 2
    warm, counted, unaudited = request_ids[:10], request_ids[10:half], request_ids[half:]
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await acts(client, warm)
            event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
            event.listen(db.engine.sync_engine, "after_cursor_execute", after_execute)
            setattr(commands, "append", timed_append)  # noqa: B010
            try:
                ms_with = await acts(client, counted)
            finally:
                setattr(commands, "append", original_append)  # noqa: B010
                event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
                event.remove(db.engine.sync_engine, "after_cursor_execute", after_execute)
            setattr(commands, "append", no_append)  # noqa: B010
            try:
                ms_without = await acts(client, unaudited)
            finally:
                setattr(commands, "append", original_append)  # noqa: B010
    finally:
        await db.dispose()
    kinds = Counter(_kind(s) for s in statements)
    n = len(counted)
    return InProcess(
        backend=backend,
        acts=n,
        ms_per_act=ms_with,
        append_ms=statistics.fmean(append_seconds) * 1000,
        ms_per_act_without_append=ms_without,
        statements_per_act=len(statements) / n,
        statement_kinds=[(k, c / n, timings[k] * 1000 / n) for k, c in kinds.most_common()],
    )


# --------------------------------------------------------------------------------------------------------------
# the report


def _machine() -> list[str]:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    versions = ", ".join(
        f"{p} {metadata.version(p)}"
        for p in ("uvicorn", "starlette", "strawberry-graphql", "sqlalchemy", "asyncpg", "aiosqlite", "httpx")
    )
    lines = [
        f"- {platform.platform()}, Python {platform.python_version()}, nproc {os.cpu_count()}",
        f"- SQLite {sqlite3.sqlite_version}; {versions}",
        "- `free -h`:",
        "",
        "```",
        free,
        "```",
    ]
    return lines


def _pg_version(admin_url: str) -> str:
    import asyncpg

    async def ask() -> str:
        conn = await asyncpg.connect(admin_url)
        try:
            version = await conn.fetchval("SHOW server_version")
            settings = await conn.fetch(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN "
                "('shared_buffers', 'synchronous_commit', 'fsync', 'max_connections')"
            )
        finally:
            await conn.close()
        return (
            f"PostgreSQL {version} ("
            + ", ".join(
                f"{s['name']}={s['setting']}{' x ' if (s['unit'] or 'x')[0].isdigit() else ''}{s['unit'] or ''}"
                for s in settings
            )
            + ")"
        )

    return asyncio.run(ask())


def report(
    command: str,
    runs: list[RunResult],
    prepared: dict[str, Prepared],
    inprocess: list[InProcess],
    extra: list[str],
) -> str:
    out = [
        "# `act` under load: real server processes, Jakarta-sized data",
        "",
        f"Generated by `bench/bench_act.py` on {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}. Command:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Each act is the GraphQL `act` mutation (HTTP POST /graphql, bearer token of the BKD verifier persona)",
        "taking `verify` on a placement proposed by the BKD official: six guards evaluated, authorization",
        "with segregation of duties, the request saved under its version check, the next task opened, one",
        "audit event appended, then the payload (`request { id state version }`) read back. The load comes",
        "from `wrk` (bench/wrkload.py: each request on the next prepared request id, every answer checked)",
        "in a separate process on the same machine, so client and server share the CPUs.",
        "",
        "| backend | server processes | clients | acts measured | seconds | acts/s | p50 ms | p95 ms | p99 ms | max ms | errors | audit chain after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        chain = f"verifies ({r.chain_events} events)" if r.chain_ok else "BROKEN" if r.chain_ok is False else "?"
        out.append(
            f"| {r.backend} | {r.processes} | {r.clients} | {r.measured}{' (ran out)' if r.exhausted else ''} | "
            f"{r.seconds:.1f} | **{r.rate:.0f}** | {r.pct(50):.1f} | **{r.pct(95):.1f}** | {r.pct(99):.1f} | "
            f"{r.max_ms:.1f} | {sum(r.errors.values())} | {chain} |"
        )
    errors = [(r, e, n) for r in runs for e, n in r.errors.most_common(5)]
    if errors:
        out += ["", "Errors seen:", ""]
        out += [f"- {r.backend} x{r.processes}: {n} x `{e}`" for r, e, n in errors]
        out += [f"- {r.backend} x{r.processes}, e.g.: `{x}`" for r in runs for x in r.samples]
    out += [
        "",
        "Targets (from the issue): p95 under 50 ms at 20 concurrent clients on PostgreSQL; at least 200 acts/s",
        "on PostgreSQL with 2 processes.",
    ]
    for r in runs:
        if r.backend == "postgres":
            p95 = "met" if r.pct(95) < 50 else "missed"
            line = f"- PostgreSQL x{r.processes}: p95 {r.pct(95):.1f} ms ({p95})"
            if r.processes == 2:
                line += f", {r.rate:.0f} acts/s ({'met' if r.rate >= 200 else 'missed'})"
            out.append(line)
    out += ["", "## Preparation", ""]
    for name, p in prepared.items():
        out.append(
            f"- {name}: seed `jakarta` {p.seed_seconds:.0f}s; {p.proposed} placements proposed in "
            f"{p.propose_seconds:.0f}s, {len(p.request_ids)} of them pass the verify guards and are used; "
            f"{'ANALYZE run afterwards' if p.analyzed else 'no ANALYZE'}; each run serves its own copy of this database."
        )
    if inprocess:
        out += [
            "",
            "## One act, in-process (ASGI app without network, acts one at a time)",
            "",
            "| backend | acts | ms per act | of which `append` ms | audit share | ms per act with `append` a no-op | SQL statements per act |",
            "|---|---|---|---|---|---|---|",
        ]
        for ip in inprocess:
            out.append(
                f"| {ip.backend} | {ip.acts} | {ip.ms_per_act:.2f} | {ip.append_ms:.2f} | "
                f"{100 * ip.append_ms / ip.ms_per_act:.0f}% | {ip.ms_per_act_without_append:.2f} | "
                f"{ip.statements_per_act:.1f} |"
            )
        for ip in inprocess:
            out += [
                "",
                f"Statements per act on {ip.backend} (verb and first table; ms per act in the driver call):",
                "",
            ]
            out += ["| statement | per act | ms per act |", "|---|---|---|"]
            out += [f"| `{kind}` | {count:.1f} | {ms:.2f} |" for kind, count, ms in ip.statement_kinds]
    out += ["", "## Machine", "", *_machine(), *extra]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    parser.add_argument(
        "--requests", type=int, default=6000, help="prepared requests per backend (upper bound per run)"
    )
    parser.add_argument(
        "--pg", default=os.environ.get("ASNFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--pg-workers", default="1,2")
    parser.add_argument("--inprocess", type=int, default=300, help="acts for the in-process measurement (0: skip)")
    parser.add_argument(
        "--no-analyze", action="store_true", help="skip ANALYZE after seeding (the planner then has no statistics)"
    )
    parser.add_argument("--write", type=Path, default=RESULTS, help="results file ('-' to only print)")
    args = parser.parse_args(argv)
    command = ".venv/bin/python -m bench.bench_act " + " ".join(sys.argv[1:] if argv is None else argv)

    runs: list[RunResult] = []
    prepared: dict[str, Prepared] = {}
    inprocess: list[InProcess] = []
    extra: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-act-"))
    try:
        for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
            backend: Backend
            if name == "sqlite":
                backend, workers_list = SqliteBackend(workdir), [1]
            elif name == "postgres":
                backend = PostgresBackend(args.pg)
                workers_list = [int(w) for w in args.pg_workers.split(",")]
                extra.append(f"- {_pg_version(args.pg)}, on the same machine")
            else:
                raise SystemExit(f"unknown backend {name!r}: sqlite or postgres")
            url = backend.create()
            try:
                migrate.upgrade(url)
                concurrency = 1 if name == "sqlite" else 8
                prep = asyncio.run(_prepare(url, args.requests + args.inprocess, concurrency, not args.no_analyze))
                spare = prep.request_ids[args.requests :] if args.inprocess else []
                prep.request_ids = prep.request_ids[: args.requests]
                prepared[name] = prep
                for workers in workers_list:
                    runs.append(run_load(backend, prep, workers, args.clients, args.duration, workdir))
                if spare:
                    copy = backend.copy(url)
                    try:
                        inprocess.append(asyncio.run(_in_process(copy, prep.verifier, spare, name)))
                    finally:
                        backend.drop(copy)
            finally:
                backend.drop(url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    text = report(command, runs, prepared, inprocess, extra)
    if str(args.write) != "-":
        notes = ""
        if args.write.exists():
            old = args.write.read_text()
            if NOTES_MARKER in old:
                notes = old[old.index(NOTES_MARKER) :]
        args.write.write_text(text + "\n" + (notes or NOTES_MARKER + "\n"))
        print(args.write.read_text())
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
