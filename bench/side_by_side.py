"""asnflow next to a true floor and PostGraphile 4, in one run, on the same PostgreSQL database.

    .venv/bin/python -m bench.side_by_side                      # jakarta, 1 and 2 processes, 15 s per target
    .venv/bin/python -m bench.side_by_side --size small --duration 5 --warmup 2

It seeds a fresh PostgreSQL database (``--size``, jakarta by default) and proposes ``--placements``
placements that wait for the BKD verifier (bench/bench_act.py's preparation, as bench/run_all.py), then
for 1 and for 2 processes (``--processes``) starts, each on a fresh copy of that database:

* **asnflow**: ``asnflow serve --workers N``, the product;
* **floor**: ``uvicorn bench.floor:app_from_env --workers N`` (bench/floor.py): asyncpg + orjson,
  hand-written SQL (positions 2 statements, myTasks 1), no ORM, no GraphQL, the same JSON bytes;
* **PostGraphile 4** (bench/package.json, installed into bench/node_modules by ``npm ci`` when missing):
  ``postgraphile -c URL --cluster-workers N`` (no ``--cluster-workers`` for 1), schema ``public``,
  no authorization (it reads as the database owner), the nearest equivalent query of each page.

Before measuring, it checks that the floor's bodies equal asnflow's byte for byte and that
PostGraphile returns the same rows (the same position codes in the same order; the same task ids)
and fails loudly otherwise. Then each server is driven in turn by ``wrk`` (bench/wrkload.py;
``--connections`` 16, ``--threads`` 1) for a warm-up and a measured run, with the servers' CPU time
per request read from /proc (all the server's processes) as bench/run_all.py does, and it writes
bench/RESULTS-side-by-side.md (``--out``): req/s, p50/p99, server CPU ms per request, and the ratios
asnflow/PostGraphile and asnflow/floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run_all import (  # noqa: E402
    MY_TASKS_QUERY,
    POSITIONS_QUERY,
    TODAY,
    Databases,
    Measurement,
    Server,
    _fetch,
    _graphql_body,
    _measure,
)
from bench.wrkload import HttpRequest, run_wrk, write_script  # noqa: E402

BENCH = ROOT / "bench"
OUT = BENCH / "RESULTS-side-by-side.md"
RESULTS = BENCH / "RESULTS.md"
PAGES = ("positions", "mytasks")
SYSTEMS = ("floor", "postgraphile", "asnflow")

# PostGraphile 4's default inflection of the tables (checked by introspection at start, see _check_names).
PG_POSITIONS = (
    "{ allPositions(first: 50, orderBy: CODE_ASC) { nodes { code title quota unitByUnitId { code name } "
    'assignmentsByPositionId(condition: {kind: "definitive"}) { nodes { startDate endDate '
    "employeeByEmployeeId { nip name rankCode } } } } } }"
)
PG_MY_TASKS = (
    "{ allTasks(first: 50, orderBy: ID_DESC, condition: {closedAt: null, role: $ROLE}) { "
    "pageInfo { hasNextPage endCursor } nodes { id step workflowRequestByRequestId { id kind state "
    "employeeBySubjectEmployeeId { nip name } positionByPositionId { code title unitByUnitId { code name } } } } } }"
)
PG_NAMES = {
    "Query": ["allPositions", "allTasks"],
    "Position": ["unitByUnitId", "assignmentsByPositionId"],
    "Assignment": ["employeeByEmployeeId"],
    "Task": ["workflowRequestByRequestId"],
    "WorkflowRequest": ["employeeBySubjectEmployeeId", "positionByPositionId"],
}
FLOOR_PATHS = {"positions": "/positions?first=50", "mytasks": "/my-tasks?first=50"}


def log(message: str) -> None:
    print(f"[side_by_side {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Config:
    processes: int
    measurements: dict[tuple[str, str], Measurement] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)


def ensure_postgraphile() -> Path:
    binary = BENCH / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("npm is not installed (apt-get install -y nodejs npm): PostGraphile needs it")
        log("installing PostGraphile into bench/node_modules (npm ci)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)
    return binary


def _post(url: str, query: str, token: str | None = None) -> dict[str, Any]:
    return dict(json.loads(_fetch(url, token or "none", _graphql_body(query))))


def _check_names(url: str) -> None:
    """PostGraphile's generated names for our tables, by introspection; stop if the inflection differs."""
    for type_name, fields in PG_NAMES.items():
        found = _post(url, '{ __type(name: "' + type_name + '") { fields { name } } }')["data"]["__type"]
        have = {f["name"] for f in (found or {}).get("fields", [])}
        missing = [f for f in fields if f not in have]
        if missing:
            raise RuntimeError(f"PostGraphile's {type_name} has no {missing}; it has {sorted(have)[:40]}")


def _role(asnflow_tasks: dict[str, Any], url: str) -> str:
    """The role of the verifier's open tasks (read from PostGraphile itself: the first task's role)."""
    first = asnflow_tasks["data"]["myTasks"]["edges"][0]["node"]["id"]
    found = _post(url, "{ taskById(id: " + str(int(first)) + ") { role } }")
    return str(found["data"]["taskById"]["role"])


def check(cfg: Config, asnflow: Server, floor: Server, pg: Server, token: str, queries: dict[str, str]) -> None:
    """The same answers before measuring: floor == asnflow byte for byte; PostGraphile the same rows."""
    a_pos = _fetch(asnflow.base + "/graphql", token, _graphql_body(POSITIONS_QUERY))
    a_tasks = _fetch(asnflow.base + "/graphql", token, _graphql_body(MY_TASKS_QUERY))
    for page, body in (("positions", a_pos), ("mytasks", a_tasks)):
        root = "myTasks" if page == "mytasks" else "positions"
        parsed = json.loads(body)
        rows = len(parsed["data"][root]["edges"]) if parsed.get("data") else 0
        if parsed.get("errors") or rows == 0 or (page == "positions" and rows != 50):
            raise RuntimeError(f"asnflow's {root} page has errors or too few rows: {body[:600]!r}")
        floor_body = _fetch(floor.base + FLOOR_PATHS[page], token)
        if floor_body != body:
            raise RuntimeError(f"the floor's {page} body differs from asnflow's:\n{floor_body[:400]!r}\n{body[:400]!r}")
        cfg.checks.append(f"{page}: floor and asnflow answer the same {len(body):,} bytes ({rows} rows)")
    codes = [e["node"]["code"] for e in json.loads(a_pos)["data"]["positions"]["edges"]]
    pg_raw = _fetch(pg.base + "/graphql", "none", _graphql_body(queries["positions"]))
    pg_pos = json.loads(pg_raw)
    if pg_pos.get("errors"):
        raise RuntimeError(f"PostGraphile's positions page failed: {pg_pos['errors']}")
    if [n["code"] for n in pg_pos["data"]["allPositions"]["nodes"]] != codes:
        raise RuntimeError("PostGraphile's positions page is not the same 50 positions")
    ids = [e["node"]["id"] for e in json.loads(a_tasks)["data"]["myTasks"]["edges"]]
    pg_tasks_raw = _fetch(pg.base + "/graphql", "none", _graphql_body(queries["mytasks"]))
    pg_tasks = json.loads(pg_tasks_raw)
    if pg_tasks.get("errors"):
        raise RuntimeError(f"PostGraphile's tasks page failed: {pg_tasks['errors']}")
    got = [str(n["id"]) for n in pg_tasks["data"]["allTasks"]["nodes"]]
    if got != ids:
        raise RuntimeError(f"PostGraphile's tasks page is not the same {len(ids)} tasks: {got[:5]} vs {ids[:5]}")
    cfg.checks.append(
        f"PostGraphile: the same 50 position codes and the same {len(ids)} task ids, in the same order "
        f"(its bodies: positions {len(pg_raw):,} bytes, tasks {len(pg_tasks_raw):,} bytes)"
    )


def start(name: str, command: list[str], env: dict[str, str], workers: int, workdir: Path, ready: str) -> Server:
    server = Server(name, command, env, workers, workdir / f"{name.replace(' ', '-')}.log", ROOT)
    try:
        server.wait_ready(ready)
    except Exception:
        server.stop()
        raise
    return server


def run_config(
    processes: int, url: str, verifier: str, secret: str, workdir: Path, args: argparse.Namespace, dbs: Databases
) -> Config:
    from server.auth import issue_token
    from server.settings import Settings

    cfg = Config(processes)
    token = issue_token(Settings(secret=secret), verifier, ttl_seconds=12 * 3600)
    copy = dbs.copy("postgres", url)
    env = dict(os.environ)
    env.update(
        ASNFLOW_DATABASE_URL=copy,
        ASNFLOW_SECRET=secret,
        ASNFLOW_TODAY=TODAY.isoformat(),
        ASNFLOW_ENV="dev",
        ASNFLOW_CHECKPOINT_FILE=str(workdir / "checkpoints.jsonl"),
        ASNFLOW_CHECKPOINT_KEY=str(workdir / "checkpoint.key"),
        PYTHONPATH=str(ROOT),
    )
    plain = copy.replace("postgresql+asyncpg://", "postgresql://")
    n = str(processes)
    servers: list[Server] = []
    try:
        cli = str(Path(sys.executable).with_name("asnflow"))
        serve = [cli, "serve", "--host", "127.0.0.1", "--port", "{port}", "--workers", n]
        asnflow = start(f"asnflow x{n}", serve, env, processes, workdir, "/readyz")
        servers.append(asnflow)
        uvicorn = [sys.executable, "-m", "uvicorn", "bench.floor:app_from_env", "--factory", "--host", "127.0.0.1"]
        uvicorn += ["--port", "{port}", "--workers", n, "--log-level", "warning", "--no-access-log"]
        floor = start(f"floor x{n}", uvicorn, env, processes, workdir, "/healthz")
        servers.append(floor)
        pg_cmd = [str(ensure_postgraphile()), "-c", plain, "--schema", "public", "--host", "127.0.0.1"]
        pg_cmd += ["--port", "{port}", "--disable-query-log", "--disable-default-mutations"]
        if processes > 1:
            pg_cmd += ["--cluster-workers", n]
        pg = Server(f"postgraphile x{n}", pg_cmd, env, 1, workdir / f"postgraphile-x{n}.log", BENCH)
        servers.append(pg)
        _wait_graphql(pg)
        _check_names(pg.base + "/graphql")
        a_tasks = json.loads(_fetch(asnflow.base + "/graphql", token, _graphql_body(MY_TASKS_QUERY)))
        queries = {
            "positions": PG_POSITIONS,
            "mytasks": PG_MY_TASKS.replace("$ROLE", json.dumps(_role(a_tasks, pg.base + "/graphql"))),
        }
        check(cfg, asnflow, floor, pg, token, queries)
        for c in cfg.checks:
            log(f"x{n}: {c}")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        targets = {
            "floor": (floor, {p: HttpRequest("GET", FLOOR_PATHS[p]) for p in PAGES}),
            "postgraphile": (pg, {p: HttpRequest("POST", "/graphql", _graphql_body(queries[p])) for p in PAGES}),
            "asnflow": (
                asnflow,
                {
                    "positions": HttpRequest("POST", "/graphql", _graphql_body(POSITIONS_QUERY)),
                    "mytasks": HttpRequest("POST", "/graphql", _graphql_body(MY_TASKS_QUERY)),
                },
            ),
        }
        for page in PAGES:
            for system in SYSTEMS:
                server, reads = targets[system]
                script = write_script(
                    workdir / f"x{n}-{system}-{page}.lua", mode="read", headers=headers, reads=[reads[page]]
                )
                log(f"x{n}: {system} {page}: warm-up {args.warmup:.0f} s")
                run_wrk(server.base, script, seconds=args.warmup, connections=args.connections, threads=args.threads)
                cfg.measurements[(system, page)] = _measure(
                    f"{system} {page}",
                    server.base,
                    script,
                    [server],
                    args,
                    connections=args.connections,
                    seconds=args.duration,
                )
    finally:
        for s in servers:
            s.stop()
        dbs.drop("postgres", copy)
    return cfg


def _wait_graphql(pg: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if pg.proc.poll() is not None:
            raise RuntimeError(f"PostGraphile exited:\n{pg.log_tail()}")
        try:
            if "data" in _post(pg.base + "/graphql", "{ __typename }"):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostGraphile not ready after {timeout:.0f} s:\n{pg.log_tail()}") from None
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    import secrets

    from bench.bench_act import _pg_version as postgres_version
    from bench.bench_act import _prepare
    from server import migrate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="jakarta", choices=["small", "jakarta"])
    parser.add_argument("--processes", default="1,2", help="server processes per configuration, comma-separated")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--placements",
        type=int,
        default=1000,
        help="placements to propose for the verifier (myTasks; many fail guards)",
    )
    parser.add_argument("--quiet-cpus", type=float, default=0.3)
    parser.add_argument("--quiet-wait", type=float, default=30.0)
    parser.add_argument(
        "--pg-admin", default=os.environ.get("ASNFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="also written as a section of this file (kept by bench/run_all.py's rewrites); '-' for none",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    ensure_postgraphile()
    command = ".venv/bin/python -m bench.side_by_side " + " ".join(argv if argv is not None else sys.argv[1:])
    secret = secrets.token_hex(32)
    configs: list[Config] = []
    with tempfile.TemporaryDirectory(prefix="asnflow-side-") as tmp:
        workdir = Path(tmp)
        dbs = Databases(workdir, args.pg_admin)
        try:
            url = dbs.create("postgres")
            log(f"migrating and seeding {args.size}")
            migrate.upgrade(url)
            prep = asyncio.run(_prepare(url, args.placements, 8, True, size=args.size))
            seed_seconds = prep.seed_seconds + prep.propose_seconds
            for n in [int(x) for x in args.processes.split(",") if x.strip()]:
                configs.append(run_config(n, url, prep.verifier, secret, workdir, args, dbs))
        finally:
            dbs.drop_all()
    from bench.side_by_side_report import into_results, render

    text = render(configs, args, command.strip(), seed_seconds, postgres_version(args.pg_admin).split(" on ")[0])
    args.out.write_text(text)
    print(text)
    log(f"written to {args.out}")
    if str(args.results) != "-":
        into_results(args.results, text)
        log(f"and as a section of {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
