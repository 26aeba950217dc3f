"""The whole benchmark in one command: reads, actions and a mixed load through real ``asnflow serve`` processes.

    .venv/bin/python -m bench.run_all                       # jakarta, SQLite and PostgreSQL, ~35 min
    .venv/bin/python -m bench.run_all --size small --duration 3 --warmup 1 --requests 300   # a quick check

Needs ``wrk`` (``apt-get install -y wrk``) and, for the chart, the ``bench`` extra
(``.venv/bin/pip install -e '.[bench]'``: matplotlib).

Preparation, once per backend: a fresh database (a SQLite file in a temporary directory; on PostgreSQL
``asnflow_bench_act_<random>`` created through ``--pg-admin``), migrated, seeded (``--size``, default
``jakarta``), then ``--requests`` placements proposed by the BKD official that wait for the BKD
verifier's ``verify`` and pass its guards (bench/bench_act.py ``_prepare``), then ANALYZE. The verifier
then has that many open tasks.

Then, per configuration (SQLite x1, SQLite x2 if ``asnflow serve`` accepts it, PostgreSQL x1 and x2),
a fresh copy of the prepared database (SQLite: a file copy; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``)
is served by ``asnflow serve --workers N`` with ``ASNFLOW_TODAY=2026-11-28``, next to the bare
reference ``uvicorn bench.bare:app_from_env --workers N`` on the same copy, both on 127.0.0.1. After
checking that the bare endpoints answer the GraphQL bodies byte for byte, ``wrk`` (a separate
process; bench/wrkload.py) drives, each for a warm-up and a measured run:

* ``myTasks``: the verifier's inbox, 50 tasks with request, subject, position and unit (GraphQL), and
  ``GET /my-tasks?first=50`` on the bare server (token, viewer, the same statements, the same bytes);
* ``positions``: 50 positions with unit and holders (GraphQL), and ``GET /positions-auth?first=50``;
* ``act``: ``act(verify)``, each request on the next prepared request id (none used twice), every
  response checked for an empty ``errors`` list;
* ``mixed``: 90 % reads (myTasks and positions, alternating) and 10 % ``act``, exact by a counter;
* ``paced`` (after the page runs, before any act; ``--paced-rates``, ``--no-paced``): the myTasks page,
  GraphQL and bare, with the same connections *thinking* between requests (an exponential think time
  of mean connections / rate, wrk's ``delay()`` hook) at several offered rates, ``--paced-duration``
  each: latency when the clients do not saturate the server.

On PostgreSQL it also runs bench/bench_propagation.py (``--propagation-changes``, ``--no-propagation``):
how long a grant change or a policy reload made in one process takes to be in force in another.

It records requests/s, p50/p95/p99 latency (wrk's histogram), failed responses, the server processes'
CPU time per request and how busy the machine was; RSS (VmRSS, and the peak VmHWM) of every worker
process after the load; SQL statements per request of each operation (in-process, a
``before_cursor_execute`` listener on the app's engine); and whether the audit chain still verifies.
It writes ``bench/RESULTS.md`` (``--out``; text below the notes marker is kept) and ``bench/results.png``
(``--chart``). Every database and process it made is removed at the end, also on Ctrl-C or failure.

The code measured is a copy taken at the start (``snapshot_code``): server/, schema/, workflows/ and
policies/ as committed at HEAD (``--code head``, the default) or as in the working tree (``--code
worktree``), with bench/ from the working tree; the servers and this process import that copy, so edits
made by others during the run neither change nor break it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_propagation import explanation as propagation_explanation  # noqa: E402
from bench.bench_propagation import summary_lines  # noqa: E402
from bench.bench_propagation import table as propagation_table  # noqa: E402
from bench.wrkload import HttpRequest, WrkResult, remaining_ids, run_wrk, write_script  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
CHART = ROOT / "bench" / "results.png"
NOTES_MARKER = "<!-- notes below are kept when bench/run_all.py rewrites this file -->"
TODAY = dt.date(2026, 11, 28)  # server.seed.REFERENCE_DATE: the seeded world's today
START_TIMEOUT = 90.0

MY_TASKS_QUERY = (
    "{ myTasks(first: 50) { pageInfo { hasNextPage endCursor } edges { node { id step "
    "request { id kind state subject { nip name } position { code title unit { code name } } } } } } }"
)
POSITIONS_QUERY = (
    "{ positions(first: 50) { edges { node { code title vacancies unit { code name } "
    "holders { nip name rank { code name } } } } } }"
)
ACT_QUERY = (
    "mutation Act($input: ActInput!) { act(input: $input) { request { id state version } errors { code message } } }"
)
BARE_MY_TASKS = "/my-tasks?first=50"
BARE_POSITIONS = "/positions-auth?first=50"

# Operations in report order: (key, label, kind) where kind is the wrk mode.
OPERATIONS: list[tuple[str, str, str]] = [
    ("mytasks", "myTasks page (GraphQL)", "read"),
    ("mytasks_bare", "myTasks page (asnflow's SQL without GraphQL)", "read"),
    ("positions", "positions page (GraphQL)", "read"),
    ("positions_bare", "positions page (asnflow's SQL without GraphQL)", "read"),
    ("act", "act (verify)", "act"),
    ("mixed", "mixed 90 % reads / 10 % act", "mixed"),
]
LABELS = {k: label for k, label, _ in OPERATIONS}

TARGET_P95_MS = 30.0
TARGET_RATIO = 0.15
TARGET_ACTS = 200.0
TARGET_ACT_P95_MS = 50.0  # issue 3: act p95 under 50 ms at 20 concurrent clients on PostgreSQL
TARGET_RSS_MB = 200.0
PACED_QUIET_WAIT = 10.0  # seconds: the longest wait for a quiet machine before the second and later paced points

PACKAGES = [
    "strawberry-graphql",
    "graphql-core",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "SQLAlchemy",
    "aiosqlite",
    "asyncpg",
    "orjson",
    "pyjwt",
    "matplotlib",
]


def log(message: str) -> None:
    print(f"[run_all {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# results


@dataclass
class Measurement:
    op: str
    connections: int
    wrk: WrkResult
    server_cpu_ms: float = 0.0  # CPU time of all server processes per request
    machine_busy: float = 0.0  # CPUs busy on the whole machine during the measured run
    busy_before: float = 0.0  # CPUs busy just before it, servers idle
    ids_left: int = 0  # act and mixed: prepared request ids left before the run


@dataclass
class PacedPoint:
    """One run of the paced series: ``offered`` requests/s set by the think time, what came back in ``m``."""

    offered: float
    think_ms: float
    m: Measurement


@dataclass
class Process:
    role: str  # "worker" or "supervisor"
    pid: int
    rss_mb: float
    hwm_mb: float


@dataclass
class ConfigResult:
    backend: str
    workers: int
    refused: str = ""  # asnflow serve said no (SQLite with several workers)
    failed: str = ""  # something went wrong; the other configurations still ran
    measurements: dict[str, Measurement] = field(default_factory=dict)
    paced: dict[str, list[PacedPoint]] = field(default_factory=dict)  # "mytasks", "mytasks_bare"
    processes: list[Process] = field(default_factory=list)
    bare_processes: list[Process] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)
    chain: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.backend} x{self.workers}"

    def worker_rss(self) -> list[float]:
        return [p.rss_mb for p in self.processes if p.role == "worker"]


@dataclass
class BackendInfo:
    backend: str
    version: str = ""
    settings: str = ""
    seed_seconds: float = 0.0
    propose_seconds: float = 0.0
    proposed: int = 0
    prepared: int = 0
    open_tasks: int = 0
    statements: dict[str, list[str]] = field(default_factory=dict)
    act_statements: float = 0.0  # mean over several acts
    body_bytes: dict[str, int] = field(default_factory=dict)

    def per_request(self, op: str, act_every: int) -> float:
        base = op.removesuffix("_bare")
        if op == "act":
            return self.act_statements
        if op == "mixed":
            reads = (len(self.statements["mytasks"]) + len(self.statements["positions"])) / 2
            return ((act_every - 1) * reads + self.act_statements) / act_every
        return float(len(self.statements.get(op, self.statements.get(base, []))))


# --------------------------------------------------------------------------------------------------------------
# processes


def _status_kb(pid: int, key: str) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server in its own session (process group), so it and its workers are stopped together."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], workers: int, logfile: Path, cwd: Path
    ) -> None:
        self.name = name
        self.workers = workers
        self.port = _free_port()
        self.logfile = logfile
        command = [c.replace("{port}", str(self.port)) for c in command]
        with logfile.open("wb") as out:
            self.proc = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        answers = 0
        while answers < 3 * self.workers:
            if self.proc.poll() is not None:
                raise ServerExited(self.proc.returncode, self.log_tail())
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready after {START_TIMEOUT:.0f} s:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        answers += 1
                        continue
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        if self.workers > 1:  # every worker should be up and listening
            deadline = time.monotonic() + START_TIMEOUT
            while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)

    def worker_pids(self) -> list[int]:
        if self.workers == 1:
            return [self.proc.pid]  # uvicorn runs the app in the process it was started in
        return [c for c in _children(self.proc.pid) if "resource_tracker" not in _cmdline(c)]

    def all_pids(self) -> list[int]:
        seen, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            seen.append(pid)
            todo += _children(pid)
        return seen

    def cpu_seconds(self) -> float:
        return sum(_cpu_seconds(p) for p in self.all_pids())

    def processes(self) -> list[Process]:
        workers = set(self.worker_pids())
        return [
            Process(
                "worker" if pid in workers else "supervisor",
                pid,
                _status_kb(pid, "VmRSS") / 1024,
                _status_kb(pid, "VmHWM") / 1024,
            )
            for pid in self.all_pids()
            if "resource_tracker" not in _cmdline(pid)
        ]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        # Workers left behind by a supervisor that died first share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


class ServerExited(RuntimeError):
    def __init__(self, code: int | None, log_tail: str) -> None:
        super().__init__(f"the server exited with {code}:\n{log_tail}")
        self.code = code
        self.log_tail = log_tail


# --------------------------------------------------------------------------------------------------------------
# databases


class Databases:
    """Creates, copies and drops the run's databases; ``drop_all`` removes whatever is left."""

    def __init__(self, workdir: Path, pg_admin: str) -> None:
        from bench.bench_act import PostgresBackend, SqliteBackend

        self.sqlite = SqliteBackend(workdir)
        self.postgres = PostgresBackend(pg_admin)
        self.live: list[tuple[str, str]] = []

    def backend(self, name: str) -> Any:
        return self.sqlite if name == "sqlite" else self.postgres

    def create(self, name: str) -> str:
        url = str(self.backend(name).create())
        self.live.append((name, url))
        return url

    def copy(self, name: str, url: str) -> str:
        copied = str(self.backend(name).copy(url))
        self.live.append((name, copied))
        return copied

    def drop(self, name: str, url: str) -> None:
        try:
            self.backend(name).drop(url)
            log(f"dropped {url.rsplit('/', 1)[1]}")
        except Exception as exc:
            log(f"could not drop {url}: {exc!r}")
        with contextlib.suppress(ValueError):
            self.live.remove((name, url))

    def drop_all(self) -> None:
        for name, url in list(reversed(self.live)):
            self.drop(name, url)


# --------------------------------------------------------------------------------------------------------------
# in-process: statements per request, open tasks, the audit chain


def _graphql_body(query: str, variables: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return json.dumps(body, separators=(",", ":"))


def _act_body(request_id: str) -> str:
    return _graphql_body(ACT_QUERY, {"input": {"requestId": request_id, "action": "verify"}})


async def _in_process(url: str, secret: str, verifier: str, act_ids: list[int]) -> dict[str, Any]:
    """Statements of one warm request per operation, and the mean over several acts."""
    import httpx

    from bench.bare import create_bare_app
    from schema.app import create_app
    from server.auth import issue_token
    from server.db import Database
    from server.settings import Settings
    from server.statements_seen import watching  # also the statements the compiled path sends to asyncpg

    settings = Settings(database_url=url, secret=secret, env="dev", today=TODAY)
    db = Database(url)
    seen: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    watch = watching(db.engine.sync_engine, on_execute)

    headers = {"Authorization": f"Bearer {issue_token(settings, verifier)}", "Content-Type": "application/json"}
    out: dict[str, Any] = {"statements": {}}
    try:
        apps = {"graphql": create_app(settings, db), "bare": create_bare_app(settings, db)}
        clients = {
            k: httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://bench") for k, a in apps.items()
        }
        try:
            count = await clients["graphql"].post(
                "/graphql", content=_graphql_body("{ myTasks(first: 1) { totalCount } }"), headers=headers
            )
            out["open_tasks"] = int(count.json()["data"]["myTasks"]["totalCount"])
            watch.__enter__()
            plan = [
                ("mytasks", "graphql", "POST", "/graphql", _graphql_body(MY_TASKS_QUERY)),
                ("mytasks_bare", "bare", "GET", BARE_MY_TASKS, None),
                ("positions", "graphql", "POST", "/graphql", _graphql_body(POSITIONS_QUERY)),
                ("positions_bare", "bare", "GET", BARE_POSITIONS, None),
            ]
            for op, app, method, path, body in plan:
                for _ in range(2):  # the first call warms caches; the second is counted
                    seen.clear()
                    r = await clients[app].request(method, path, content=body, headers=headers)
                    r.raise_for_status()
                out["statements"][op] = list(seen)
            per_act: list[int] = []
            for rid in act_ids:
                seen.clear()
                r = await clients["graphql"].post("/graphql", content=_act_body(str(rid)), headers=headers)
                answer = r.json()
                if answer.get("errors") or answer["data"]["act"]["errors"]:
                    raise RuntimeError(f"in-process act on {rid} failed: {answer}")
                per_act.append(len(seen))
                out["statements"]["act"] = list(seen)
            out["act_mean"] = sum(per_act[1:]) / max(len(per_act) - 1, 1)  # the first act is a warm-up
        finally:
            with contextlib.suppress(Exception):  # (not entered when the count request failed)
                watch.__exit__(None, None, None)
            for c in clients.values():
                await c.aclose()
    finally:
        await db.dispose()
    return out


async def _check_chain(url: str) -> str:
    from server.audit.verify import verify
    from server.db import Database

    db = Database(url)
    try:
        report = await verify(db)
        if report.ok:
            return f"verifies ({report.checked_events:,} events)"
        return f"BROKEN at seq {report.first_broken_seq}"
    finally:
        await db.dispose()


# --------------------------------------------------------------------------------------------------------------
# load


def _fetch(url: str, token: str, body: str | None = None) -> bytes:
    req = urllib.request.Request(url, data=body.encode() if body else None, method="POST" if body else "GET")
    req.add_header("Authorization", f"Bearer {token}")
    if body:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return bytes(r.read())


def _measure(
    op: str,
    url: str,
    script: Path,
    servers: list[Server],
    args: argparse.Namespace,
    *,
    connections: int,
    seconds: float,
    quiet_wait: float | None = None,
) -> Measurement:
    from bench.run_read import busy_cpus, cpu_busy_ticks, wait_quiet

    before = wait_quiet(args.quiet_cpus, args.quiet_wait if quiet_wait is None else quiet_wait)
    log(f"  {op}: measuring {seconds:.0f} s at {connections} connections")
    cpu0, ticks0 = sum(s.cpu_seconds() for s in servers), cpu_busy_ticks()
    w = run_wrk(url, script, seconds=seconds, connections=connections, threads=args.threads)
    cpu1, ticks1 = sum(s.cpu_seconds() for s in servers), cpu_busy_ticks()
    m = Measurement(
        op=op,
        connections=connections,
        wrk=w,
        server_cpu_ms=(cpu1 - cpu0) * 1000 / max(w.requests, 1),
        machine_busy=busy_cpus(ticks0, ticks1),
        busy_before=before,
    )
    log(
        f"  {op}: {w.rps:,.1f} req/s, p50 {w.p50_ms:.1f} ms, p95 {w.p95_ms:.1f} ms, p99 {w.p99_ms:.1f} ms, "
        f"failures {w.failures}{' (ran out of request ids)' if w.ran_out else ''}, "
        f"server CPU {m.server_cpu_ms:.1f} ms/request, machine busy {m.machine_busy:.2f} CPUs (before {before:.2f})"
    )
    for sample in w.samples[:2]:
        log(f"    failed response: {sample[:200]}")
    return m


def _paced_here(args: argparse.Namespace, name: str) -> bool:
    return bool(args.paced_rates) and (args.paced_configs == "all" or name in args.paced_configs_list)


def _paced_points(
    what: str,
    server: Server,
    rates: list[float],
    connections: int,
    script: Callable[[float, str], Path],
    args: argparse.Namespace,
    measured: Callable[[Measurement], None] | None = None,
) -> list[PacedPoint]:
    """One warm-up at the highest rate, then a measured point per rate of ``connections`` connections thinking
    an exponential time of mean connections / rate. ``script(rate, phase)`` writes the run's script;
    ``measured`` sees each run (the warm-up's too) as it ends.

    The first point waits up to ``--quiet-wait`` for a quiet machine, the next ones up to 10 s, so a busy
    machine does not multiply the series' run time."""
    points: list[PacedPoint] = []
    if args.paced_warmup_s > 0:
        top = max(rates)
        log(f"{server.name}: {what} paced: warm-up {args.paced_warmup_s:.0f} s at {top:g}/s offered")
        w = run_wrk(
            server.base,
            script(top, "warm-up"),
            seconds=args.paced_warmup_s,
            connections=connections,
            threads=args.threads,
        )
        if measured is not None:
            measured(Measurement(what, connections, w))
    for i, rate in enumerate(rates):
        m = _measure(
            f"{what} paced at {rate:g}/s offered",
            server.base,
            script(rate, f"{rate:g}"),
            [server],
            args,
            connections=connections,
            seconds=args.paced_duration_s,
            quiet_wait=None if i == 0 else min(args.quiet_wait, PACED_QUIET_WAIT),
        )
        if measured is not None:
            measured(m)
        points.append(PacedPoint(rate, connections / rate * 1000, m))
    return points


def _paced_series(
    op: str,
    server: Server,
    request: HttpRequest,
    headers: dict[str, str],
    tag: str,
    workdir: Path,
    args: argparse.Namespace,
) -> list[PacedPoint]:
    """A page at paced load: ``--read-connections`` connections at each rate of ``--paced-rates``."""
    connections = args.read_connections

    def script(rate: float, phase: str) -> Path:
        return write_script(
            workdir / f"{tag}-{op}-paced-{phase}.lua",
            mode="read",
            headers=headers,
            reads=[request],
            think_ms=connections / rate * 1000,
            think="exp",
        )

    return _paced_points(op, server, args.paced_rates, connections, script, args)


def _paced_act_series(
    server: Server, headers: dict[str, str], tag: str, workdir: Path, args: argparse.Namespace, left: list[str]
) -> tuple[list[PacedPoint], list[str]]:
    """``act`` at paced load: ``--act-connections`` connections at each rate of ``--paced-act-rates``, every
    act on a prepared request id not used before. Returns the points and the ids left."""
    connections = args.act_connections
    ids = list(left)

    def script(rate: float, phase: str) -> Path:
        ids_file = workdir / f"{tag}-act-paced-{phase}.ids"
        ids_file.write_text("\n".join(ids) + "\n")
        return write_script(
            workdir / f"{tag}-act-paced-{phase}.lua",
            mode="act",
            headers=headers,
            act_body=_act_body("__ID__"),
            ids_file=ids_file,
            think_ms=connections / rate * 1000,
            think="exp",
        )

    def used(m: Measurement) -> None:
        m.ids_left = len(ids)
        ids[:] = remaining_ids(ids, m.wrk.acts_sent)

    points = _paced_points("act", server, args.paced_act_rates, connections, script, args, used)
    return points, ids


def _compare(graphql: bytes, bare: bytes) -> tuple[bool, str]:
    from bench.run_read import compare_bodies

    return compare_bodies(graphql, bare)


def run_config(
    backend: str,
    workers: int,
    prepared_url: str,
    verifier: str,
    ids: list[int],
    dbs: Databases,
    workdir: Path,
    args: argparse.Namespace,
    secret: str,
    code: Path,
) -> ConfigResult:
    from server.auth import issue_token
    from server.settings import Settings

    result = ConfigResult(backend, workers)
    token = issue_token(Settings(secret=secret), verifier, ttl_seconds=12 * 3600)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = dbs.copy(backend, prepared_url)
    servers: list[Server] = []
    copies: list[str] = []  # the copies served before ``url`` (``renew``)
    completed = False
    try:
        env = dict(os.environ)
        env.update(
            ASNFLOW_DATABASE_URL=url,
            ASNFLOW_SECRET=secret,
            ASNFLOW_TODAY=TODAY.isoformat(),
            ASNFLOW_ENV="dev",
            ASNFLOW_CHECKPOINT_FILE=str(workdir / "checkpoints.jsonl"),
            ASNFLOW_CHECKPOINT_KEY=str(workdir / "checkpoint.key"),
            PYTHONPATH=str(code),  # the snapshot of the code taken at the start (see snapshot_code)
        )
        cli = str(Path(sys.executable).with_name("asnflow"))
        tag = f"{backend}-x{workers}"
        serve = [cli, "serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers)]
        graphql = Server(
            f"asnflow serve ({tag})",
            serve,
            env,
            workers,
            workdir / f"serve-{tag}.log",
            code,
        )
        servers.append(graphql)
        try:
            graphql.wait_ready("/readyz")
        except ServerExited as exc:
            said = " ".join(exc.log_tail.split())
            if "refused" not in said.lower():
                raise
            result.refused = said[-400:]
            log(f"{result.name}: asnflow serve refused: {result.refused}")
            return result
        bare = Server(
            f"bare ({tag})",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.bare:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env,
            workers,
            workdir / f"bare-{tag}.log",
            code,
        )
        servers.append(bare)
        bare.wait_ready("/healthz")
        log(f"{result.name}: serving at {graphql.base} (asnflow's SQL without GraphQL at {bare.base})")

        # The same bytes from both, before measuring.
        for op, query, path in (
            ("mytasks", MY_TASKS_QUERY, BARE_MY_TASKS),
            ("positions", POSITIONS_QUERY, BARE_POSITIONS),
        ):
            g = _fetch(graphql.base + "/graphql", token, _graphql_body(query))
            b = _fetch(bare.base + path, token)
            page = json.loads(g)
            root = "myTasks" if op == "mytasks" else "positions"
            if page.get("errors") or len(page["data"][root]["edges"]) != 50:
                raise RuntimeError(f"the GraphQL {root} page is not 50 rows without errors: {g[:600]!r}")
            same, how = _compare(g, b)
            result.bodies[op] = how
            log(f"{result.name}: {root} bodies: {how}")
            if not same and not args.allow_body_mismatch:
                raise RuntimeError(f"the bare {root} body differs from the GraphQL one: {how}")

        reads = {
            "mytasks": HttpRequest("POST", "/graphql", _graphql_body(MY_TASKS_QUERY)),
            "mytasks_bare": HttpRequest("GET", BARE_MY_TASKS),
            "positions": HttpRequest("POST", "/graphql", _graphql_body(POSITIONS_QUERY)),
            "positions_bare": HttpRequest("GET", BARE_POSITIONS),
        }
        for op in ("mytasks_bare", "mytasks", "positions_bare", "positions"):
            server = bare if op.endswith("_bare") else graphql
            script = write_script(workdir / f"{tag}-{op}.lua", mode="read", headers=headers, reads=[reads[op]])
            log(f"{result.name}: {op}: warm-up {args.warmup:.0f} s")
            run_wrk(server.base, script, seconds=args.warmup, connections=args.read_connections, threads=args.threads)
            result.measurements[op] = _measure(
                op, server.base, script, [server], args, connections=args.read_connections, seconds=args.duration
            )

        # The myTasks page at paced load: the same connections, each thinking between requests.
        if _paced_here(args, result.name):
            for op in ("mytasks_bare", "mytasks"):
                server = bare if op.endswith("_bare") else graphql
                result.paced[op] = _paced_series(op, server, reads[op], headers, tag, workdir, args)

        # Actions: each prepared request id once, through the act warm-up and the act run. The seed gives only
        # so many placements that pass the verify guards (about 7,300 at `jakarta` size) and a fast server
        # uses up a copy's in one act run, so the paced act series and the mixed runs each start on a fresh
        # copy of the prepared database, served anew (``renew``).
        left = [str(i) for i in ids]
        act_body = _act_body("__ID__")

        def renew() -> None:
            nonlocal graphql, url, left
            result.processes = _larger(result.processes, graphql.processes())
            graphql.stop()
            copies.append(url)
            url = dbs.copy(backend, prepared_url)
            env["ASNFLOW_DATABASE_URL"] = url
            graphql = servers[0] = Server(
                graphql.name, serve, env, workers, workdir / f"serve-{tag}-{len(copies)}.log", code
            )
            graphql.wait_ready("/readyz")
            left = [str(i) for i in ids]
            log(f"{result.name}: a fresh copy of the prepared database, served at {graphql.base}")

        for op, connections, warmup, seconds in (
            ("act", args.act_connections, args.act_warmup, args.act_duration),
            ("mixed", args.mixed_connections, args.warmup, args.duration),
        ):
            mode = "act" if op == "act" else "mixed"
            if op == "mixed":
                renew()
            for phase, secs in (("warm-up", warmup), ("measured", seconds)):
                ids_file = workdir / f"{tag}-{op}-{phase}.ids"
                ids_file.write_text("\n".join(left) + "\n")
                script = write_script(
                    workdir / f"{tag}-{op}-{phase}.lua",
                    mode=mode,
                    headers=headers,
                    reads=[reads["mytasks"], reads["positions"]] if mode == "mixed" else None,
                    act_body=act_body,
                    act_every=args.act_every,
                    ids_file=ids_file,
                )
                if phase == "warm-up":
                    log(f"{result.name}: {op}: warm-up {secs:.0f} s ({len(left)} request ids left)")
                    w = run_wrk(graphql.base, script, seconds=secs, connections=connections, threads=args.threads)
                    if w.acts_failed or w.reads_failed:
                        log(f"  warm-up failures: {w.acts_failed} acts, {w.reads_failed} reads; {w.samples[:1]}")
                else:
                    m = _measure(op, graphql.base, script, [graphql], args, connections=connections, seconds=secs)
                    m.ids_left = len(left)
                    result.measurements[op] = m
                    w = m.wrk
                left = remaining_ids(left, w.acts_sent)
            if op == "act" and args.paced_act_rates and _paced_here(args, result.name):
                renew()
                result.paced["act"], left = _paced_act_series(graphql, headers, tag, workdir, args, left)

        result.processes = _larger(result.processes, graphql.processes())
        result.bare_processes = bare.processes()
        log(
            f"{result.name}: RSS per worker {', '.join(f'{p.rss_mb:.0f}' for p in result.processes if p.role == 'worker')} MB"
        )
        completed = True
    finally:
        for s in servers:
            s.stop()
        chains = []
        for served_url in [*copies, url]:
            if completed:
                try:
                    chains.append(asyncio.run(_check_chain(served_url)))
                except Exception as exc:
                    chains.append(f"not checked ({type(exc).__name__}: {str(exc)[:120]})")
            dbs.drop(backend, served_url)
        result.chain = (
            "; ".join(chains) if len(chains) < 2 else "; ".join(f"copy {n}: {c}" for n, c in enumerate(chains, 1))
        )
    return result


def _larger(before: list[Process], now: list[Process]) -> list[Process]:
    """The processes of the server whose workers grew largest (a configuration may be served by several in turn)."""

    def peak(processes: list[Process]) -> float:
        return max((p.rss_mb for p in processes if p.role == "worker"), default=0.0)

    return now if peak(now) >= peak(before) else before


def run_propagation(code: Path, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """bench/bench_propagation.py in its own process, on the code snapshot; returns its JSON results."""
    from bench.run_read import wait_quiet

    before = wait_quiet(args.quiet_cpus, args.quiet_wait)
    out = workdir / "propagation.json"
    command = [
        sys.executable,
        "-m",
        "bench.bench_propagation",
        "--pg-admin",
        args.pg_admin,
        "--changes",
        str(args.propagation_changes),
        "--json",
        str(out),
    ]
    log(f"policy propagation: {args.propagation_changes} changes of each kind between two processes")
    env = {**os.environ, "PYTHONPATH": str(code)}
    with (workdir / "propagation.log").open("wb") as stdout:
        proc = subprocess.Popen(command, cwd=code, env=env, stdout=stdout)  # its log lines go to our stderr
        try:
            returncode = proc.wait(timeout=120 + args.propagation_changes * 2 * 6)
        finally:
            if proc.poll() is None:  # interrupted or too slow: it drops its database on SIGTERM
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    if returncode != 0 or not out.exists():
        tail = (workdir / "propagation.log").read_text(errors="replace")[-600:]
        raise RuntimeError(f"bench_propagation exited with {returncode}: {tail}")
    result: dict[str, Any] = json.loads(out.read_text())
    result["busy_before"] = before
    for line in summary_lines(result):
        log(f"  {line[2:]}")
    return result


# --------------------------------------------------------------------------------------------------------------
# preparation


def prepare(
    backend: str, dbs: Databases, args: argparse.Namespace, secret: str
) -> tuple[str, str, list[int], BackendInfo]:
    from bench.bench_act import _pg_version, _prepare
    from server import migrate

    info = BackendInfo(backend)
    url = dbs.create(backend)
    log(f"{backend}: migrating {url}")
    migrate.upgrade(url)
    concurrency = 1 if backend == "sqlite" else 8
    wanted = args.requests + args.inprocess_acts
    log(f"{backend}: seeding {args.size} and proposing {wanted} placements that wait for the verifier")
    prep = asyncio.run(_prepare(url, wanted, concurrency, True, size=args.size))
    if len(prep.request_ids) < wanted:
        log(f"{backend}: only {len(prep.request_ids)} of {wanted} placements pass the verify guards")
    info.seed_seconds, info.propose_seconds, info.proposed = prep.seed_seconds, prep.propose_seconds, prep.proposed
    spare = prep.request_ids[-args.inprocess_acts :] if args.inprocess_acts else []
    ids = prep.request_ids[: len(prep.request_ids) - len(spare)]
    info.prepared = len(ids)
    if backend == "postgres":
        version = _pg_version(args.pg_admin)
        info.version, _, rest = version.rpartition(" (")
        info.settings = rest.rstrip(")")
    else:
        info.version = f"SQLite {sqlite3.sqlite_version}"
        info.settings = "WAL, one file per configuration (copied with the backup API)"
    copy = dbs.copy(backend, url)
    try:
        found = asyncio.run(_in_process(copy, secret, prep.verifier, spare))
    finally:
        dbs.drop(backend, copy)
    info.statements = found["statements"]
    info.act_statements = float(found.get("act_mean", 0.0))
    info.open_tasks = int(found["open_tasks"])
    log(
        f"{backend}: {info.prepared} request ids for the load, the verifier has {info.open_tasks} open tasks; "
        + ", ".join(f"{k} {len(v)}" for k, v in info.statements.items())
        + f" statements; act {info.act_statements:.1f}"
    )
    return url, prep.verifier, ids, info


# --------------------------------------------------------------------------------------------------------------
# report


def _sh(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except OSError as exc:
        return f"({exc})"


def _machine(backends: dict[str, BackendInfo], code: str) -> list[str]:
    versions = []
    for p in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{p} {importlib.metadata.version(p)}")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    out = [
        f"- nproc: {os.cpu_count()} ({cpu}); the load generator, the servers and PostgreSQL share them",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"- {', '.join(versions)}",
        f"- load generator: {_sh(['wrk', '--version']).splitlines()[0].split(' Copyright')[0] if shutil.which('wrk') else '?'}",
    ]
    for b in backends.values():
        out.append(f"- {b.version}: {b.settings}")
    out.append(f"- code measured: {code}; every server process ran that copy")
    out += ["- `free -h` at the end:", "", "```", _sh(["free", "-h"]), "```"]
    return out


def _fmt_ms(v: float) -> str:
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def _implications(c: ConfigResult) -> list[str]:
    """What the measured CPU time per request allows on this machine, whatever else was running."""
    cpus = os.cpu_count() or 1
    lines = ["What the server CPU time per request implies (computed from this run):", ""]
    mt, act = c.measurements.get("mytasks"), c.measurements.get("act")
    if mt and mt.server_cpu_ms:
        ceiling = 1000 * cpus / mt.server_cpu_ms
        needed = mt.connections / (TARGET_P95_MS / 1000)
        lines.append(
            f"- myTasks: {mt.server_cpu_ms:.1f} ms of server CPU per page, so even with all {cpus} CPUs to the "
            f"servers (no PostgreSQL, no wrk) at most ~{ceiling:,.0f} pages/s. With {mt.connections} clients always "
            f"waiting, Little's law puts the mean latency at {mt.connections} / throughput, so a p95 under "
            f"{TARGET_P95_MS:.0f} ms needs more than {needed:,.0f} pages/s: about {needed / ceiling:.0f}x less CPU "
            "per page, or that many more cores."
        )
    if act and act.server_cpu_ms:
        ceiling = 1000 * cpus / act.server_cpu_ms
        lines.append(
            f"- act: {act.server_cpu_ms:.1f} ms of server CPU per act, so at most ~{ceiling:,.0f} acts/s on {cpus} "
            f"CPUs before PostgreSQL's and wrk's share; {TARGET_ACTS:.0f}/s needs at most "
            f"{1000 * cpus / TARGET_ACTS:.0f} ms per act with the whole machine, less in practice."
        )
    return [*lines, ""] if len(lines) > 2 else []


def _paced_ok(p: PacedPoint, target_ms: float = TARGET_P95_MS) -> bool:
    """Under the target with no failures, over a full point (not one cut short: no answers, ids run out)."""
    w = p.m.wrk
    return w.requests > 0 and not w.ran_out and w.p95_ms < target_ms and w.failures == 0


def _paced_limit(
    points: list[PacedPoint], target_ms: float = TARGET_P95_MS
) -> tuple[PacedPoint | None, PacedPoint | None]:
    """The highest offered rate up to which every rate kept p95 under the target, and the first that did not."""
    good = None
    for p in sorted(points, key=lambda p: p.offered):
        if not _paced_ok(p, target_ms):
            return good, p
        good = p
    return good, None


def _paced_plain(
    points: list[PacedPoint],
    connections: int,
    saturated: Measurement | None,
    target_ms: float = TARGET_P95_MS,
    unit: str = "pages",
) -> tuple[str, str]:
    """(the sentence, the verdict) for one paced series."""
    good, bad = _paced_limit(points, target_ms)
    if good is not None:
        text = (
            f"p95 under {target_ms:.0f} ms up to {good.offered:g} {unit}/s offered by {connections} clients "
            f"(achieved {good.m.wrk.rps:,.1f}/s, p95 {good.m.wrk.p95_ms:,.1f} ms there)"
        )
        if bad is not None:
            text += f"; at {bad.offered:g}/s offered p95 {bad.m.wrk.p95_ms:,.1f} ms"
        else:
            text += "; no higher rate was measured"
        verdict = f"met up to {good.offered:g} {unit}/s offered"
    else:
        assert bad is not None
        text = (
            f"p95 {bad.m.wrk.p95_ms:,.1f} ms already at the lowest rate measured, {bad.offered:g} {unit}/s offered by "
            f"{connections} clients"
        )
        verdict = "**missed** at every paced rate"
    if saturated is not None:
        text += f"; at saturation p95 {saturated.wrk.p95_ms:,.1f} ms ({saturated.wrk.rps:,.1f} {unit}/s)"
    return text, verdict


def _paced_target(pg2: ConfigResult, saturated: Measurement | None) -> list[str]:
    points = pg2.paced.get("mytasks")
    if not points:
        return []
    connections = points[0].m.connections
    text, verdict = _paced_plain(points, connections, saturated)
    return [
        f"| myTasks page p95 under {TARGET_P95_MS:.0f} ms at {connections} clients, paced (each client thinks between "
        f"requests) | {text} | {verdict} |"
    ]


def _paced_act_target(pg2: ConfigResult, saturated: Measurement | None) -> list[str]:
    points = pg2.paced.get("act")
    if not points:
        return []
    connections = points[0].m.connections
    text, verdict = _paced_plain(points, connections, saturated, TARGET_ACT_P95_MS, "acts")
    return [
        f"| act p95 under {TARGET_ACT_P95_MS:.0f} ms at {connections} clients, paced (each client thinks between "
        f"acts; issue 3) | {text} | {verdict} |"
    ]


def _paced_act_section(ran: list[ConfigResult], args: argparse.Namespace) -> list[str]:
    with_paced = [c for c in ran if c.paced.get("act")]
    if not with_paced:
        return []
    connections = args.act_connections
    out = [
        f"## act: latency at paced load ({connections} clients with think time)",
        "",
        f"As for the myTasks page below: each of the {connections} connections thinks an exponential time of mean "
        f"{connections} / offered rate between its acts (`verify` on a new prepared request each time), "
        f"{args.paced_duration_s:.0f} s measured per point after a warm-up at the highest rate; the saturating act "
        "row above is the same workload with no think time.",
        "",
        "| config | offered acts/s (mean think ms) | achieved acts/s | p50 ms | p95 ms | p99 ms | acts | failed "
        "| server CPU ms/act | busy (before) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    summary = []
    for c in with_paced:
        points = c.paced["act"]
        for p in points:
            w = p.m.wrk
            out.append(
                f"| {c.name} | {p.offered:g} ({p.think_ms:,.0f}){' (request ids ran out)' if w.ran_out else ''} "
                f"| {w.rps:,.1f} | {_fmt_ms(w.p50_ms)} | **{_fmt_ms(w.p95_ms)}** | {_fmt_ms(w.p99_ms)} | {w.requests:,} "
                f"| {w.failures:,} | {p.m.server_cpu_ms:.1f} | {p.m.machine_busy:.2f} ({p.m.busy_before:.2f}) |"
            )
        text, _ = _paced_plain(points, connections, c.measurements.get("act"), TARGET_ACT_P95_MS, "acts")
        summary.append(f"- {c.name}: {text}.")
    out += ["", *summary, ""]
    return out


def _paced_section(ran: list[ConfigResult], args: argparse.Namespace) -> list[str]:
    with_paced = [c for c in ran if c.paced.get("mytasks") or c.paced.get("mytasks_bare")]
    if not with_paced:
        return []
    connections = args.read_connections
    out = [
        f"## myTasks page: latency at paced load ({connections} clients with think time)",
        "",
        f"The saturating rows above have each of the {connections} connections send its next request the instant the "
        f"previous answer arrives, so by Little's law latency = {connections} / throughput whatever the server does. "
        "Here the same connections *think* between requests, as approvers do: before each request a connection "
        "waits an exponentially distributed time (wrk's `delay()` hook, bench/wrkload.py), of mean "
        f"{connections} / offered rate (e.g. {connections / 20 * 1000:,.0f} ms for 20 requests/s offered in total). "
        "*offered* is the rate those think times make; *achieved* is what was measured, a little lower because a "
        "connection waits for its answer before it thinks again (closed model), much lower once the server "
        "cannot keep up. Latency counts from sending a request to its whole response, not the think time. "
        f"{args.paced_duration_s:.0f} s measured per point, after one {args.paced_warmup_s:.0f} s warm-up at the "
        "highest rate per series; the servers had just run the saturating rows.",
        "",
        "| config | endpoint | offered req/s (mean think ms) | achieved req/s | p50 ms | p95 ms | p99 ms | requests "
        "| failed | server CPU ms/req | busy (before) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    summary = []
    for c in with_paced:
        for op in ("mytasks", "mytasks_bare"):
            points = c.paced.get(op, [])
            endpoint = "GraphQL" if op == "mytasks" else "asnflow's SQL without GraphQL"
            for p in points:
                w = p.m.wrk
                out.append(
                    f"| {c.name} | {endpoint} | {p.offered:g} ({p.think_ms:,.0f}) | {w.rps:,.1f} | {_fmt_ms(w.p50_ms)} "
                    f"| **{_fmt_ms(w.p95_ms)}** | {_fmt_ms(w.p99_ms)} | {w.requests:,} | {w.failures:,} "
                    f"| {p.m.server_cpu_ms:.1f} | {p.m.machine_busy:.2f} ({p.m.busy_before:.2f}) |"
                )
            if points:
                text, _ = _paced_plain(points, connections, c.measurements.get(op))
                summary.append(f"- {c.name}, {endpoint}: {text}.")
    out += ["", *summary, ""]
    return out


def _propagation_section(result: dict[str, Any] | None, failed: str, args: argparse.Namespace) -> list[str]:
    if failed:
        return ["## Policy propagation (2 processes, PostgreSQL)", "", f"**FAILED**: `{failed.strip()}`", ""]
    if result is None:
        return []
    return [
        "## Policy propagation (2 processes, PostgreSQL)",
        "",
        propagation_explanation(result)
        + f" Run by `bench/bench_propagation.py --changes {result['changes']}` on the same code; the machine had "
        f"{result.get('busy_before', 0.0):.2f} CPUs busy just before.",
        "",
        *propagation_table(result),
        "",
    ]


def _propagation_target(result: dict[str, Any] | None) -> list[str]:
    if result is None:
        return []
    parts, ok = [], True
    for s in result["series"].values():
        st = s["stats"]
        if not st:
            parts.append(f"{s['name']}: no answer")
            ok = False
            continue
        ok = ok and st["under_1s"] == st["count"]
        parts.append(
            f"{s['name']}: median {st['median']:,.0f} ms, p95 {st['p95']:,.0f} ms, max {st['max']:,.0f} ms, "
            f"{st['under_1s']:.0f} of {st['count']:.0f} under 1 s"
        )
    return [
        "| a policy change made in one process in force in another within a second (2 processes) | "
        + "; ".join(parts)
        + f" | {'met' if ok else '**missed**'} |"
    ]


def render(
    command: str,
    args: argparse.Namespace,
    backends: dict[str, BackendInfo],
    configs: list[ConfigResult],
    started: float,
    finished: float,
    propagation: dict[str, Any] | None = None,
    propagation_failed: str = "",
) -> str:
    ran = [c for c in configs if not c.refused and not c.failed]
    out = [
        "# asnflow benchmark: reads, actions and a mixed load through real server processes",
        "",
        f"Generated by `bench/run_all.py` on {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} "
        f"in {(finished - started) / 60:.0f} min. Command (from the repository root):",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Code measured: {getattr(args, 'code_measured', '?')}.",
        "",
        f"Data: `{args.size}` seed, plus {max((b.prepared for b in backends.values()), default=0):,} placements "
        "proposed by the BKD official waiting for the BKD verifier's `verify` (all pass its guards); ANALYZE "
        "afterwards. Every configuration serves its own fresh copy of that database with `asnflow serve "
        f"--workers N` (`ASNFLOW_TODAY={TODAY}`), and asnflow's SQL without GraphQL (`bench/bare.py`, not a floor: the same ORM, viewer and session code; the floor is bench/side_by_side.py's) with as many uvicorn "
        "workers on the same copy. The load is `wrk` (bench/wrkload.py) in a separate process on 127.0.0.1, "
        f"{args.threads} thread(s), a warm-up and then a measured run per row; all requests as the BKD verifier "
        "persona (bearer token).",
        "",
        "- **myTasks page**: `" + MY_TASKS_QUERY + "`",
        "- **positions page**: `" + POSITIONS_QUERY + "`",
        f"- **act**: `{ACT_QUERY}` with `verify` on the next prepared request (no id is used twice); "
        "six guards, authorization, the version check, the next task, one audit event, the payload read back",
        f"- **mixed**: of every {args.act_every} requests one is an act, the others alternate between the two "
        f"pages (exact by a counter): {100 - 100 // args.act_every} % reads, {100 // args.act_every} % actions",
        "- **asnflow's SQL without GraphQL** (not a floor): `GET /my-tasks?first=50` and `GET /positions-auth?first=50` on a plain starlette "
        "app: the same token check, viewer, statements and transactions as the GraphQL path, the same JSON bytes "
        "(checked before measuring), but no GraphQL parsing, validation or execution.",
        "",
        f"Read rows: {args.read_connections} connections, {args.duration:.0f} s measured after {args.warmup:.0f} s "
        f"warm-up; act: {args.act_connections} connections, {args.act_duration:.0f} s after {args.act_warmup:.0f} s; "
        f"mixed: {args.mixed_connections} connections, {args.duration:.0f} s after {args.warmup:.0f} s. "
        "Latency percentiles are wrk's (from sending a request to its whole response). *failed* counts "
        "non-200 answers, GraphQL `errors` (every response is checked), acts whose `errors` list is not empty, "
        "and socket errors/timeouts. *SQL/req* is counted in-process (a `before_cursor_execute` listener on the "
        "app's engine; the mixed figure is the weighted mean). *server CPU* is the CPU time of all server "
        "processes per request (steadier than req/s on a shared machine; *GraphQL / (its SQL without GraphQL)* gives the ratio "
        "of throughputs and, in brackets, of CPU time per request). RSS is each worker's VmRSS after its runs "
        "(the reads and the act run are served by one server; the paced act series and the mixed runs each by a "
        "new one on a fresh copy of the prepared database, since every act uses up a prepared request: the "
        "server whose workers grew largest is shown).",
        "",
        "The machine is shared with other engineers' test runs: before every measured run the benchmark waits "
        f"up to {args.quiet_wait:.0f} s for the machine to be nearly idle and records how busy it was "
        "(*busy before*), and how busy it was during the run (*busy*, in CPUs of "
        f"{os.cpu_count()}, including wrk, the servers and PostgreSQL). Figures are noisy; ratios measured in "
        "the same configuration are the steadier comparison.",
        "",
    ]
    refused = [c for c in configs if c.refused]
    for c in refused:
        out.append(f"**{c.name} was not measured:** `asnflow serve` refused it: “{c.refused.strip()}”")
        out.append("")
    for c in configs:
        if c.failed:
            out += [f"**{c.name} FAILED** and is missing from the tables: `{c.failed.strip()}`", ""]

    out += ["## Results", ""]
    header = (
        "| operation | config | conns | req/s | p50 ms | p95 ms | p99 ms | requests | failed | GraphQL / (its SQL without GraphQL) "
        "| SQL/req | server CPU ms/req | RSS MB per worker | busy (before) |"
    )
    out += [header, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for op, label, _ in OPERATIONS:
        for c in ran:
            m = c.measurements.get(op)
            if m is None:
                continue
            w = m.wrk
            ratio_text = ""
            if op in ("mytasks", "positions") and f"{op}_bare" in c.measurements:
                bare_m = c.measurements[f"{op}_bare"]
                ratio_text = f"{w.rps / bare_m.wrk.rps:.0%}" if bare_m.wrk.rps else ""
                if m.server_cpu_ms:
                    ratio_text += f" (CPU {bare_m.server_cpu_ms / m.server_cpu_ms:.0%})"
            failed = f"{w.failures:,}"
            if w.ran_out:
                failed += " (ran out of ids)"
            rate = f"{w.rps:,.1f}"
            if op == "mixed":
                rate += f" ({w.rate('read'):,.1f} reads + {w.rate('act'):,.1f} acts)"
            procs = c.bare_processes if op.endswith("_bare") else c.processes
            rss_text = ", ".join(f"{p.rss_mb:.0f}" for p in procs if p.role == "worker")
            out.append(
                f"| {label} | {c.name} | {m.connections} | **{rate}** | {_fmt_ms(w.p50_ms)} | **{_fmt_ms(w.p95_ms)}** "
                f"| {_fmt_ms(w.p99_ms)} | {w.requests:,} | {failed} | {ratio_text} "
                f"| {backends[c.backend].per_request(op, args.act_every):.1f} | {m.server_cpu_ms:.1f} | {rss_text} "
                f"| {m.machine_busy:.2f} ({m.busy_before:.2f}) |"
            )
    out.append("")
    chart_what = "throughput and p95 per operation and configuration"
    if any(c.paced for c in ran):
        chart_what += "; p95 against the offered rate of the paced myTasks series"
    out += [f"Chart: [results.png](results.png) ({chart_what}).", ""]
    out += _paced_act_section(ran, args)
    out += _paced_section(ran, args)
    out += _propagation_section(propagation, propagation_failed, args)

    # Targets.
    out += ["## Targets (PostgreSQL, 2 processes)", ""]
    pg2 = next((c for c in ran if c.backend == "postgres" and c.workers == 2), None)
    if pg2 is None:
        out += ["PostgreSQL x2 was not measured in this run, so no target can be judged.", ""]
    else:
        rows = []
        mt = pg2.measurements.get("mytasks")
        if mt:
            ok = mt.wrk.p95_ms < TARGET_P95_MS and mt.wrk.failures == 0
            rows.append(
                f"| myTasks page p95 under {TARGET_P95_MS:.0f} ms at {mt.connections} clients (saturating: no think "
                f"time) | p95 {mt.wrk.p95_ms:,.1f} ms | {'met' if ok else '**missed**'} |"
            )
        rows += _paced_target(pg2, mt)
        for op in ("mytasks", "positions"):
            g, ref = pg2.measurements.get(op), pg2.measurements.get(f"{op}_bare")
            if g and ref and ref.wrk.rps:
                ratio = g.wrk.rps / ref.wrk.rps
                cpu = f"; by CPU time per request {ref.server_cpu_ms / g.server_cpu_ms:.0%}" if g.server_cpu_ms else ""
                rows.append(
                    f"| {LABELS[op].split(' (')[0]}: GraphQL at least {TARGET_RATIO:.0%} of the bare endpoint's "
                    f"throughput | {g.wrk.rps:,.1f} / {ref.wrk.rps:,.1f} req/s = {ratio:.0%}{cpu} | "
                    f"{'met' if ratio >= TARGET_RATIO else '**missed**'} |"
                )
        act = pg2.measurements.get("act")
        if act:
            ok = act.wrk.rate("act") >= TARGET_ACTS and act.wrk.acts_failed == 0
            rows.append(
                f"| act at least {TARGET_ACTS:.0f} per second | {act.wrk.acts_ok / act.wrk.seconds:,.1f} successful acts/s "
                f"({act.wrk.acts_failed} failed) at {act.connections} clients | {'met' if ok else '**missed**'} |"
            )
            rows.append(
                f"| act p95 under {TARGET_ACT_P95_MS:.0f} ms at {act.connections} clients (saturating: no think time; "
                f"issue 3) | p95 {act.wrk.p95_ms:,.1f} ms | "
                f"{'met' if act.wrk.p95_ms < TARGET_ACT_P95_MS and act.wrk.failures == 0 else '**missed**'} |"
            )
        rows += _paced_act_target(pg2, act)
        rss = pg2.worker_rss()
        if rss:
            peak = max(p.hwm_mb for p in pg2.processes if p.role == "worker")
            ok = max(max(rss), peak) < TARGET_RSS_MB
            rows.append(
                f"| memory per process under {TARGET_RSS_MB:.0f} MB with `{args.size}` data | "
                f"{', '.join(f'{v:.0f}' for v in rss)} MB per worker after the load (highest peak VmHWM "
                f"{peak:.0f} MB) | {'met' if ok else '**missed**'} |"
            )
        rows += _propagation_target(propagation)
        out += ["| target | measured | |", "|---|---|---|", *rows, ""]
        out += _implications(pg2)
        if args.size != "jakarta":
            out += [f"(Measured on the `{args.size}` seed: the targets are stated for `jakarta`.)", ""]

    # Per-configuration details.
    out += ["## Details", ""]
    for c in ran:
        out.append(
            f"- **{c.name}**: audit chain after the run {c.chain or '?'}; bodies: "
            + "; ".join(f"{k} {v}" for k, v in c.bodies.items())
        )
        graphql_procs = ", ".join(f"{p.role} {p.rss_mb:.0f} MB (peak {p.hwm_mb:.0f})" for p in c.processes)
        bare_procs = ", ".join(f"{p.role} {p.rss_mb:.0f} MB" for p in c.bare_processes)
        out.append(f"  - GraphQL server processes: {graphql_procs}; asnflow's SQL without GraphQL: {bare_procs}")
        for op in ("act", "mixed"):
            m = c.measurements.get(op)
            if m:
                w = m.wrk
                out.append(
                    f"  - {op}: {w.acts_ok:,} acts succeeded, {w.acts_failed:,} failed; {w.reads_ok:,} reads succeeded, "
                    f"{w.reads_failed:,} failed; non-200 {w.non_200}; socket errors {w.socket_errors or 'none'}; "
                    f"{m.ids_left:,} request ids were left before the run"
                    + ("; **ran out of request ids** (the rate is a lower bound)" if w.ran_out else "")
                )
        samples = [s for m in c.measurements.values() for s in m.wrk.samples]
        samples += [s for points in c.paced.values() for p in points for s in p.m.wrk.samples]
        for s in samples[:3]:
            shown = s[:300].replace("`", "'")
            out.append(f"  - a failed response: `{shown}`")
        out += [f"  - note: {n}" for n in c.notes]
    out.append("")
    for b in backends.values():
        out.append(
            f"- {b.backend} preparation: seed `{args.size}` {b.seed_seconds:.0f} s; {b.proposed:,} placements proposed "
            f"in {b.propose_seconds:.0f} s, {b.prepared:,} used by the load (and {args.inprocess_acts} in-process); the "
            f"verifier had {b.open_tasks:,} open tasks"
        )
    out += ["", "<details><summary>SQL statements per request (in-process, one warm request)</summary>", ""]
    for b in backends.values():
        for op, stmts in b.statements.items():
            shown = f"{len(stmts)}" if op != "act" else f"{len(stmts)} in the last act; mean {b.act_statements:.1f}"
            out += [f"{b.backend} {op} ({shown}):", ""]
            out += [f"    {s[:160]}" for s in stmts]
            out.append("")
    out += ["</details>", "", "## Machine", "", *_machine(backends, getattr(args, "code_measured", "?")), ""]
    return "\n".join(out)


def chart(path: Path, configs: list[ConfigResult], args: argparse.Namespace | None = None) -> str:
    """Grouped bars: throughput, p95 and server CPU per operation and configuration; then, if measured, p95
    of the paced myTasks series against the offered rate."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no chart"
    ran = [c for c in configs if not c.refused and not c.failed]
    ops = [(k, label) for k, label, _ in OPERATIONS if any(k in c.measurements for c in ran)]
    if not ran or not ops:
        return "nothing measured: no chart"
    paced = [c for c in ran if c.paced]
    fig = plt.figure(figsize=(12, 15.5 if paced else 11.5))
    grid = fig.add_gridspec(4 if paced else 3, 1)
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)
    cpu_panel = fig.add_subplot(grid[2], sharex=top)
    top.tick_params(labelbottom=False)
    bottom.tick_params(labelbottom=False)
    width = 0.8 / len(ran)
    colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"]
    for i, c in enumerate(ran):
        xs = [j + (i - (len(ran) - 1) / 2) * width for j in range(len(ops))]
        rps = [c.measurements[k].wrk.rps if k in c.measurements else 0.0 for k, _ in ops]
        p95 = [c.measurements[k].wrk.p95_ms if k in c.measurements else 0.0 for k, _ in ops]
        cpu = [c.measurements[k].server_cpu_ms if k in c.measurements else 0.0 for k, _ in ops]
        hatches = ["//" if k.endswith("_bare") else "" for k, _ in ops]
        for x, v, h in zip(xs, cpu, hatches, strict=True):
            cpu_panel.bar(x, v, width, color=colors[i % len(colors)], hatch=h, edgecolor="white")
            cpu_panel.annotate(f"{v:.1f}", (x, v), ha="center", va="bottom", fontsize=7)
        for x, r, p, h in zip(xs, rps, p95, hatches, strict=True):
            top.bar(
                x,
                r,
                width,
                color=colors[i % len(colors)],
                hatch=h,
                edgecolor="white",
                label=c.name if x == xs[0] else None,
            )
            top.annotate(f"{r:,.0f}", (x, r), ha="center", va="bottom", fontsize=7)
            bottom.bar(x, p, width, color=colors[i % len(colors)], hatch=h, edgecolor="white")
            bottom.annotate(f"{p:,.0f}", (x, p), ha="center", va="bottom", fontsize=7)
    names = [k for k, _ in ops]
    if "act" in names:
        j = names.index("act")
        top.hlines(TARGET_ACTS, j - 0.45, j + 0.45, colors="black", linestyles="dashed")
        top.annotate(f"target {TARGET_ACTS:.0f}/s", (j, TARGET_ACTS), ha="center", va="bottom", fontsize=8)
    if "mytasks" in names:
        j = names.index("mytasks")
        bottom.hlines(TARGET_P95_MS, j - 0.45, j + 0.45, colors="black", linestyles="dashed")
        bottom.annotate(f"target {TARGET_P95_MS:.0f} ms", (j, TARGET_P95_MS), ha="center", va="bottom", fontsize=8)
    top.set_ylabel("requests per second")
    top.set_title("Throughput (hatched: asnflow's SQL without GraphQL, same ORM code and same JSON)")
    top.legend(title="database x server processes", loc="upper left")
    bottom.set_ylabel("p95 latency, ms (log scale)")
    bottom.set_yscale("log")
    low, high = bottom.get_ylim()
    bottom.set_ylim(min(low, TARGET_P95_MS / 2), high * 1.5)
    bottom.set_title("p95 latency")
    cpu_panel.set_ylabel("server CPU ms per request")
    cpu_panel.set_title("CPU time of the server processes per request (steadier than req/s on a shared machine)")
    cpu_panel.set_xticks(range(len(ops)))
    cpu_panel.set_xticklabels([label.replace(" (", "\n(") for _, label in ops], fontsize=8)
    if paced:
        panel = fig.add_subplot(grid[3])
        for i, c in enumerate(ran):
            for op, style, what in (("mytasks", "-o", "GraphQL"), ("mytasks_bare", "--s", "bare")):
                points = c.paced.get(op, [])
                if points:
                    panel.plot(
                        [p.offered for p in points],
                        [p.m.wrk.p95_ms for p in points],
                        style,
                        color=colors[i % len(colors)],
                        label=f"{c.name} {what}",
                    )
        panel.axhline(TARGET_P95_MS, color="black", linestyle="dashed", linewidth=1)
        panel.annotate(f"target {TARGET_P95_MS:.0f} ms", (panel.get_xlim()[0], TARGET_P95_MS), va="bottom", fontsize=8)
        panel.set_yscale("log")
        panel.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}"))
        panel.yaxis.set_minor_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}" if f"{v:g}"[0] in "235" else "")
        )
        panel.tick_params(axis="y", which="minor", labelsize=7)
        low, high = panel.get_ylim()
        panel.set_ylim(min(low, TARGET_P95_MS / 2), high * 1.3)
        panel.set_xticks(
            sorted({p.offered for c in paced for op in ("mytasks", "mytasks_bare") for p in c.paced.get(op, [])})
        )
        panel.set_xlabel("requests/s offered in total (clients with exponential think time)")
        panel.set_ylabel("p95 latency, ms (log scale)")
        connections = args.read_connections if args is not None else 20
        panel.set_title(
            f"myTasks page at paced load: {connections} clients thinking between requests (dashed: asnflow's SQL without GraphQL)"
        )
        panel.legend(fontsize=8, ncol=2, loc="best")
    fig.suptitle(f"asnflow bench/run_all.py, {dt.date.today().isoformat()} (2 shared vCPUs: noisy)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"chart written to {path}"


# --------------------------------------------------------------------------------------------------------------
# main


SNAPSHOT = ["server", "schema", "workflows", "policies", "bench"]
IMPORT_CHECK = (
    "import server.cli, server.seed, schema.commands, schema.app, workflows.service, bench.bare, bench.bench_act\n"
    "from schema.schema import build_schema\n"
    "from server.settings import Settings\n"
    "build_schema(Settings())\n"
    "print(schema.app.__file__)\n"
)


def snapshot_code(workdir: Path, source: str, wait: float) -> tuple[Path, str]:
    """A copy of the code to measure, so every configuration runs the same code.

    ``source`` ``head``: server/, schema/, workflows/ and policies/ as committed at HEAD (``git archive``,
    which changes nothing in the repository); ``worktree``: as they are in the working tree now. bench/ is
    always the working tree's. Other people may be editing the working tree during a run; a half-made
    edit would otherwise stop a server from starting half-way through. The copy is retried (every 20 s,
    up to ``wait`` seconds) until it imports and builds the schema. Returns the copy and a description.
    """
    deadline = time.monotonic() + wait
    target = workdir / "code"
    while True:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        packages = [p for p in SNAPSHOT if p != "bench"]
        if source == "head":
            commit = _sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", "HEAD", *packages], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
            what = (
                f"commit {commit} (server/, schema/, workflows/, policies/ as committed; bench/ from the working tree)"
            )
        else:
            for package in packages:
                shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
            what = "the working tree"
        shutil.copytree(ROOT / "bench", target / "bench", ignore=shutil.ignore_patterns("__pycache__", "results"))
        what += f", copied at {dt.datetime.now().astimezone().strftime('%H:%M %Z')}"
        env = {**os.environ, "PYTHONPATH": str(target)}
        check = subprocess.run(
            [sys.executable, "-c", IMPORT_CHECK], cwd=target, env=env, capture_output=True, text=True, check=False
        )
        if check.returncode == 0 and check.stdout.strip().startswith(str(target)):
            return target, what
        problem = (check.stderr.strip().splitlines() or [check.stdout.strip()])[-1]
        if time.monotonic() > deadline:
            raise SystemExit(f"the code does not import (after waiting {wait:.0f} s): {problem}")
        log(f"the code ({source}) does not import right now ({problem}); retrying in 20 s")
        time.sleep(20)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run_all",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--workers", default="1,2", help="server processes per configuration (comma-separated)")
    parser.add_argument("--size", default="jakarta", choices=["small", "jakarta"], help="the seed")
    parser.add_argument(
        "--requests",
        type=int,
        default=12000,
        help="placements prepared for the load (each act consumes one; shared by act and mixed in every "
        "configuration, which serves its own copy)",
    )
    parser.add_argument("--inprocess-acts", type=int, default=6, help="extra placements for counting statements")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds of each read and mixed run")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds before each read and mixed run")
    # 12 s of acts at 500/s use up 6,000 of the about 7,300 prepared requests a copy holds at jakarta size
    parser.add_argument("--act-duration", type=float, default=10.0, help="measured seconds of the act run")
    parser.add_argument("--act-warmup", type=float, default=2.0, help="warm-up seconds before the act run")
    parser.add_argument("--read-connections", type=int, default=20, help="wrk connections for the page runs")
    parser.add_argument("--act-connections", type=int, default=20, help="wrk connections for the act run")
    parser.add_argument("--mixed-connections", type=int, default=50, help="wrk connections for the mixed run")
    parser.add_argument("--act-every", type=int, default=10, help="mixed: one act in every N requests")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--paced-rates",
        default="20,40,60,80,100",
        help="myTasks at paced load: the total requests/s offered by the --read-connections clients (each "
        "thinks an exponential time of mean connections / rate between requests), comma-separated",
    )
    parser.add_argument(
        "--paced-duration", type=float, help="measured seconds of each paced point (default: 15, at most --duration)"
    )
    parser.add_argument(
        "--paced-warmup",
        type=float,
        help="warm-up seconds before each paced series, at its highest rate (default: 3, at most --warmup)",
    )
    parser.add_argument(
        "--paced-configs",
        default="postgres x2",
        help="configurations that get the paced series: all, or e.g. 'postgres x2' (comma-separated)",
    )
    parser.add_argument(
        "--paced-act-rates",
        default="50,100,200",
        help="act at paced load: the total acts/s offered by the --act-connections clients, comma-separated "
        "('' skips it); runs on the --paced-configs after the act run",
    )
    parser.add_argument("--no-paced", action="store_true", help="skip the paced series")
    parser.add_argument(
        "--propagation-changes",
        type=int,
        default=40,
        help="policy propagation (PostgreSQL, bench/bench_propagation.py): changes of each kind",
    )
    parser.add_argument("--no-propagation", action="store_true", help="skip the policy propagation benchmark")
    parser.add_argument(
        "--quiet-cpus",
        type=float,
        default=0.3,
        help="before each measured run, wait until at most this many CPUs are busy",
    )
    parser.add_argument("--quiet-wait", type=float, default=30.0, help="longest wait for a quiet machine, seconds")
    parser.add_argument(
        "--pg-admin",
        default=os.environ.get("ASNFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="where to create and drop the PostgreSQL databases",
    )
    parser.add_argument(
        "--code",
        choices=["head", "worktree"],
        default="head",
        help="measure the packages as committed at HEAD, or as they are in the working tree (bench/ is always the "
        "working tree's); either way a copy taken at the start",
    )
    parser.add_argument(
        "--code-wait", type=float, default=600.0, help="seconds to wait for the code to import at the start"
    )
    parser.add_argument("--allow-body-mismatch", action="store_true", help="measure even if the bare bodies differ")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file ('-': print only)")
    parser.add_argument("--chart", type=Path, default=CHART, help="the PNG chart")
    args = parser.parse_args(argv)
    if args.act_every < 2:
        parser.error("--act-every must be at least 2")
    try:
        rates = [float(r) for r in args.paced_rates.split(",") if r.strip()]
    except ValueError:
        parser.error(f"--paced-rates {args.paced_rates!r}: numbers, comma-separated")
    if any(r <= 0 for r in rates):
        parser.error("--paced-rates must be above 0")
    args.paced_rates = [] if args.no_paced else sorted(set(rates))
    try:
        act_rates = [float(r) for r in args.paced_act_rates.split(",") if r.strip()]
    except ValueError:
        parser.error(f"--paced-act-rates {args.paced_act_rates!r}: numbers, comma-separated")
    if any(r <= 0 for r in act_rates):
        parser.error("--paced-act-rates must be above 0")
    args.paced_act_rates = [] if args.no_paced else sorted(set(act_rates))
    args.paced_duration_s = args.paced_duration if args.paced_duration is not None else min(15.0, args.duration)
    args.paced_warmup_s = args.paced_warmup if args.paced_warmup is not None else min(3.0, args.warmup)
    args.paced_configs_list = [c.strip() for c in args.paced_configs.split(",") if c.strip()]
    if args.propagation_changes < 1:
        parser.error("--propagation-changes must be at least 1 (--no-propagation skips it)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if "127.0.0.1" not in args.pg_admin and "localhost" not in args.pg_admin:
        raise SystemExit("--pg-admin must point at 127.0.0.1 (the benchmark stays on loopback)")
    backends_wanted = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends_wanted:
        if b not in ("sqlite", "postgres"):
            raise SystemExit(f"unknown backend {b!r}: sqlite or postgres")
    workers_wanted = [int(w) for w in args.workers.split(",") if w.strip()]
    command = ".venv/bin/python -m bench.run_all " + " ".join(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    started = time.monotonic()
    secret = os.urandom(32).hex()
    workdir = Path(tempfile.mkdtemp(prefix="asnflow-run-all-"))
    dbs: Databases | None = None
    backends: dict[str, BackendInfo] = {}
    configs: list[ConfigResult] = []
    propagation: dict[str, Any] | None = None
    propagation_failed = ""
    try:
        code, what = snapshot_code(workdir, args.code, args.code_wait)
        args.code_measured = what
        sys.path.insert(0, str(code))  # this process too: preparation and the in-process counts
        log(f"measuring {what} ({code})")
        dbs = Databases(workdir, args.pg_admin)
        for backend in backends_wanted:
            prepared_url, verifier, ids, info = prepare(backend, dbs, args, secret)
            backends[backend] = info
            for workers in workers_wanted:
                try:
                    configs.append(
                        run_config(backend, workers, prepared_url, verifier, ids, dbs, workdir, args, secret, code)
                    )
                except Exception as exc:
                    log(f"{backend} x{workers} failed: {exc!r}\n{traceback.format_exc()}")
                    configs.append(ConfigResult(backend, workers, failed=f"{type(exc).__name__}: {exc}"[:600]))
            dbs.drop(backend, prepared_url)
        if "postgres" in backends_wanted and not args.no_propagation:
            try:
                propagation = run_propagation(code, workdir, args)
            except Exception as exc:
                log(f"policy propagation failed: {exc!r}")
                propagation_failed = f"{type(exc).__name__}: {exc}"[:600]
    except KeyboardInterrupt as exc:
        log(f"interrupted ({exc or 'Ctrl-C'}); removing what this run made, writing nothing")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if dbs is not None:
            dbs.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    finished = time.monotonic()
    text = render(command.strip(), args, backends, configs, started, finished, propagation, propagation_failed)
    if str(args.out) == "-":
        print(text)
    else:
        notes = ""
        if args.out.exists():
            old = args.out.read_text()
            if NOTES_MARKER in old:
                notes = old[old.index(NOTES_MARKER) :]
        args.out.write_text(text + "\n" + (notes or NOTES_MARKER + "\n"))
        print(args.out.read_text())
        log(f"written to {args.out}")
    log(chart(args.chart, configs, args))
    log(f"finished in {(finished - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
