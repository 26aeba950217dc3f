"""How long a policy change made in one process takes to be in force in another (PostgreSQL, LISTEN/NOTIFY).

    .venv/bin/python -m bench.bench_propagation                          # 40 changes each way, ~30 s
    .venv/bin/python -m bench.bench_propagation --write bench/results/propagation.md

The target: a policy change made through one server process is in force in the others within a second
on PostgreSQL (LISTEN/NOTIFY, with a periodic reload as the safety net). tests/policies/test_propagation.py
shows the mechanism works; this measures how fast.

It creates its own database through ``--pg-admin`` (dropped at the end, also on Ctrl-C or a failure),
migrates it, and starts a second process, bench/propagation_peer.py, which runs the policy listener as a
server does with the periodic reload an hour away (so only a notification can bring a change quickly)
and prints ``allowed N`` / ``refused N`` the moment its answer to "may USER sign a placement?" changes.
Then, from this process:

* **grant / revoke**: ``--changes`` times, alternately ``grant_role`` and ``revoke_role`` (policies.admin)
  of ``bkd_verifier`` province-wide to the user, each in a ``Database`` write transaction, as the test
  does; the peer's policy file lets ``bkd_verifier`` sign placements, so the answer flips each time;
* **policy file edit + bump_policy_version** (what ``asnflow policy reload`` does after an operator
  edits the policy): ``--changes`` times, alternately removing and adding the line ``p, bkd_verifier,
  placement, sign`` in the peer's policy file, then ``bump_policy_version`` in a write transaction.

Each latency runs from the commit returning in this process to this process reading the peer's line
for that version (``time.monotonic()`` on both ends, lines read by a task that timestamps them on
arrival). It includes the notification's delivery, the peer's casbin reload and viewer load, the
decision, and the pipe back. The peer wakes on the reload itself (no polling interval; ``--poll-ms``
makes it poll instead). Changes are ``--gap`` seconds apart so each one finds the peer idle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

USER = "budi"
ROLE = "bkd_verifier"
OBJ, ACTION = "placement", "sign"
POLICY_LINE = f"p, {ROLE}, {OBJ}, {ACTION}"
TARGET_MS = 1000.0
DEFAULT_ADMIN = os.environ.get("ASNFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def log(message: str) -> None:
    print(f"[propagation {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Series:
    name: str
    latencies_ms: list[float] = field(default_factory=list)  # from the commit returning here
    from_commit_ms: list[float] = field(default_factory=list)  # from the commit being sent (includes the commit)
    commit_ms: list[float] = field(default_factory=list)  # the write transaction's commit, in this process
    reload_ms: list[float] = field(default_factory=list)  # the peer's casbin reload
    answer_ms: list[float] = field(default_factory=list)  # the peer's viewer load and decision
    rest_ms: list[float] = field(default_factory=list)  # from the commit being sent, less those two
    missed: int = 0  # no line within --timeout

    def stats(self) -> dict[str, float]:
        xs = sorted(self.latencies_ms)
        if not xs:
            return {}
        return {
            "min": xs[0],
            "median": statistics.median(xs),
            "p95": _percentile(xs, 95),
            "max": xs[-1],
            "under_1s": float(sum(1 for x in xs if x < TARGET_MS)),
            "count": float(len(xs) + self.missed),
        }


def _percentile(sorted_xs: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_xs:
        return 0.0
    rank = max(1, -(-len(sorted_xs) * p // 100))
    return sorted_xs[int(rank) - 1]


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


def _cpu_ticks() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (0, 0 where there is none)."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    return float(sum(values) - values[3] - values[4]), float(sum(values))


def _busy_cpus(before: tuple[float, float], after: tuple[float, float]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total * (os.cpu_count() or 1) if total else 0.0


# --------------------------------------------------------------------------------------------------------------
# the database


async def _admin_exec(admin_url: str, sql: str) -> Any:
    import asyncpg  # type: ignore[import-untyped,unused-ignore]

    conn = await asyncpg.connect(admin_url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def create_database(admin_url: str) -> tuple[str, str]:
    name = f"asnflow_bench_prop_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_exec(admin_url, f"CREATE DATABASE {name}"))
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(admin_url: str, name: str) -> None:
    try:
        asyncio.run(_admin_exec(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        log(f"dropped {name}")
    except Exception as exc:
        log(f"could not drop {name}: {exc!r}")


# --------------------------------------------------------------------------------------------------------------
# the peer


class Peer:
    """The second process; every line it prints is timestamped on arrival by a reader task."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, url: str, policy: Path, poll_ms: float) -> Peer:
        env = {**os.environ, "ASNFLOW_POLICY_FILE": str(policy), "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.propagation_peer",
            url,
            USER,
            OBJ,
            ACTION,
            str(poll_ms),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            raw = await self.proc.stdout.readline()
            at = time.monotonic()
            if not raw:
                await self.lines.put((at, "EOF"))
                return
            await self.lines.put((at, raw.decode().strip()))

    async def line(self, within: float) -> tuple[float, str]:
        at, text = await asyncio.wait_for(self.lines.get(), within)
        if text == "EOF":
            raise RuntimeError(f"the peer exited ({self.proc.returncode})")
        return at, text

    async def answer(self, allowed: bool, version: int, within: float) -> tuple[float, dict[str, float]] | None:
        """The arrival time and timings of the first line giving ``allowed`` at ``version`` or later."""
        deadline = time.monotonic() + within
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                at, text = await self.line(left)
            except TimeoutError:
                return None
            word, _, rest = text.partition(" ")
            number, _, extra = rest.partition(" ")
            if word not in ("allowed", "refused") or not number.isdigit():
                continue
            if (word == "allowed") == allowed and int(number) >= version:
                timings = {k: float(v) for k, _, v in (x.partition("=") for x in extra.split()) if v}
                return at, timings

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


# --------------------------------------------------------------------------------------------------------------
# the measurement


async def _measure(args: argparse.Namespace, url: str, workdir: Path) -> dict[str, Any]:
    from policies.admin import grant_role, revoke_role
    from policies.enforcer import DEFAULT_POLICY_PATH
    from policies.notify import bump_policy_version, policy_version
    from policies.viewer import Grant, Viewer
    from server.db import Database

    root_admin = Viewer(user_id="root", grants=(Grant("admin"),))
    base_policy = DEFAULT_POLICY_PATH.read_text()
    if POLICY_LINE in base_policy.splitlines():
        raise SystemExit(f"the base policy already has {POLICY_LINE!r}: choose another permission to toggle")
    with_line = base_policy.rstrip("\n") + "\n" + POLICY_LINE + "\n"
    policy = workdir / "policy.csv"
    policy.write_text(with_line)

    db = Database(url)
    peer = await Peer.start(url, policy, args.poll_ms)
    series = {"grant": Series("grant / revoke"), "file": Series("policy file edit + bump_policy_version")}
    try:
        _, first = await peer.line(60)
        if first != "ready":
            raise RuntimeError(f"the peer said {first!r} instead of ready")
        if await peer.answer(False, 0, 10) is None:
            raise RuntimeError("the peer did not report its first answer")
        log(f"peer ready (pid {peer.proc.pid}); {args.changes} changes each way, {args.gap:.2f} s apart")

        async def change(kind: str, allowed: bool, measured: bool) -> None:
            async with db.write() as s:
                if kind == "file":
                    policy.write_text(with_line if allowed else base_policy)
                    version = await bump_policy_version(s)
                else:
                    if allowed:
                        await grant_role(s, root_admin, user_id=USER, role=ROLE, unit_code=None)
                    else:
                        await revoke_role(s, root_admin, user_id=USER, role=ROLE, unit_code=None)
                    version = await policy_version(s)
                committing = time.monotonic()
            committed = time.monotonic()
            found = await peer.answer(allowed, version, args.timeout)
            if not measured:
                if found is None:
                    raise RuntimeError(f"the peer did not see the setup change (version {version})")
                return
            s_ = series[kind]
            s_.commit_ms.append((committed - committing) * 1000)
            if found is None:
                s_.missed += 1
                log(f"  {kind} {'on ' if allowed else 'off'} v{version}: no answer within {args.timeout:.0f} s")
                return
            at, timings = found
            s_.latencies_ms.append((at - committed) * 1000)
            s_.from_commit_ms.append((at - committing) * 1000)
            s_.reload_ms.append(timings.get("reload_ms", 0.0))
            s_.answer_ms.append(timings.get("answer_ms", 0.0))
            s_.rest_ms.append(s_.from_commit_ms[-1] - s_.reload_ms[-1] - s_.answer_ms[-1])
            if args.verbose:
                log(f"  {kind} {'on ' if allowed else 'off'} v{version}: {(at - committed) * 1000:.1f} ms {timings}")
            await asyncio.sleep(args.gap)

        # grant / revoke: the policy file lets bkd_verifier sign, so holding the role flips the answer
        for i in range(args.changes):
            await change("grant", i % 2 == 0, True)
        # file edits: the user holds the role throughout; the line comes and goes
        if args.changes % 2 == 0:
            await change("grant", True, False)
        for i in range(args.changes):
            await change("file", i % 2 == 1, True)
    finally:
        await peer.stop()
        await db.dispose()
    return dict(series)


def _pg_version(admin_url: str) -> str:
    try:
        return str(asyncio.run(_admin_exec(admin_url, "SELECT version()"))).split(" on ")[0]
    except Exception:
        return "PostgreSQL"


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Create, migrate, measure, drop; returns the results (also what ``--json`` writes)."""
    from server import migrate

    if "127.0.0.1" not in args.pg_admin and "localhost" not in args.pg_admin:
        raise SystemExit("--pg-admin must point at 127.0.0.1 (the benchmark stays on loopback)")
    workdir = Path(tempfile.mkdtemp(prefix="asnflow-propagation-"))
    name = None
    try:
        name, url = create_database(args.pg_admin)
        log(f"created {name}; migrating")
        migrate.upgrade(url)
        started, ticks = time.monotonic(), _cpu_ticks()
        series = asyncio.run(_measure(args, url, workdir))
        seconds, busy = time.monotonic() - started, _busy_cpus(ticks, _cpu_ticks())
    finally:
        if name is not None:
            drop_database(args.pg_admin, name)
        shutil.rmtree(workdir, ignore_errors=True)
    resolution = (
        "the peer wakes on the policy reload itself (no polling interval)"
        if args.poll_ms <= 0
        else f"the peer polls every {args.poll_ms:g} ms"
    )
    return {
        "changes": args.changes,
        "gap_s": args.gap,
        "timeout_s": args.timeout,
        "poll_ms": args.poll_ms,
        "resolution": resolution,
        "postgres": _pg_version(args.pg_admin),
        "seconds": seconds,
        "busy_cpus": busy,
        "cpus": os.cpu_count() or 1,
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "series": {
            k: {**dataclasses.asdict(s), "stats": s.stats(), "median_commit_ms": _median(s.commit_ms)}
            for k, s in series.items()
        },
    }


# --------------------------------------------------------------------------------------------------------------
# report


def summary_lines(result: dict[str, Any]) -> list[str]:
    """One line per series: min/median/p95/max ms and how many were under a second."""
    out = []
    for s in result["series"].values():
        st = s["stats"]
        if not st:
            out.append(f"- {s['name']}: no answer arrived ({s['missed']} missed)")
            continue
        missed = f", {s['missed']} without an answer within {result['timeout_s']:.0f} s" if s["missed"] else ""
        out.append(
            f"- {s['name']}: min {st['min']:.1f}, median {st['median']:.1f}, p95 {st['p95']:.1f}, "
            f"max {st['max']:.1f} ms; {st['under_1s']:.0f} of {st['count']:.0f} under 1 s{missed}"
        )
    return out


def table(result: dict[str, Any]) -> list[str]:
    out = [
        "| change | changes | min ms | median ms | p95 ms | max ms | under 1 s | peer: casbin reload ms (median) "
        "| peer: viewer + decision ms (median) | the rest: commit, delivery, wake-up, pipe ms (median) | commit ms (median) "
        "| from the commit being sent: median / max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in result["series"].values():
        st = s["stats"] or {"min": 0, "median": 0, "p95": 0, "max": 0, "under_1s": 0, "count": s["missed"]}
        out.append(
            f"| {s['name']} | {st['count']:.0f} | {st['min']:.1f} | {st['median']:.1f} | **{st['p95']:.1f}** "
            f"| {st['max']:.1f} | **{st['under_1s']:.0f} / {st['count']:.0f}** | {_median(s['reload_ms']):.1f} "
            f"| {_median(s['answer_ms']):.1f} | {_median(s['rest_ms']):.1f} | {s['median_commit_ms']:.1f} "
            f"| {_median(s['from_commit_ms']):.1f} / {max(s['from_commit_ms'], default=0.0):.1f} |"
        )
    return out


def explanation(result: dict[str, Any]) -> str:
    return (
        f"Two processes on one PostgreSQL database ({result['postgres']}): this one makes {result['changes']} changes "
        f"of each kind, {result['gap_s']:.2f} s apart; the other (bench/propagation_peer.py) runs the policy "
        "listener as a server does, with its periodic reload set to an hour, so only LISTEN/NOTIFY counts. "
        "Latency: from the commit returning here to the peer's line for that policy version arriving here "
        "(notification delivery, the peer's casbin reload and viewer load, the decision, the pipe back). "
        f"Resolution: {result['resolution']}; timestamps are `time.monotonic()` in this process. The machine had "
        f"{result.get('busy_cpus', 0.0):.2f} of {result.get('cpus', '?')} CPUs busy on average during the run (both "
        "processes, PostgreSQL and anything else running). *grant / "
        "revoke*: `grant_role` / `revoke_role` (policies.admin) in a write transaction; *policy file edit*: a "
        "line of the peer's policy file removed or added, then `bump_policy_version` in a write transaction "
        "(what `asnflow policy reload` does)."
    )


def markdown(result: dict[str, Any], command: str) -> str:
    return "\n".join(
        [
            "# Policy propagation between two processes (PostgreSQL)",
            "",
            f"Generated by `bench/bench_propagation.py` on {result['date']}. Command:",
            "",
            "```sh",
            command,
            "```",
            "",
            explanation(result),
            "",
            *table(result),
            "",
            f"Target: in force in the other processes within a second ({TARGET_MS:.0f} ms).",
            "",
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_propagation",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--pg-admin", default=DEFAULT_ADMIN, help="where to create and drop the database")
    parser.add_argument("--changes", type=int, default=40, help="changes of each kind (alternating on and off)")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between two changes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the peer's answer")
    parser.add_argument(
        "--poll-ms", type=float, default=0.0, help="0: the peer wakes on the reload; > 0: it polls this often"
    )
    parser.add_argument("--write", type=Path, help="also write a markdown report here")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here (bench/run_all.py reads it)")
    parser.add_argument("--verbose", action="store_true", help="log every change")
    args = parser.parse_args(argv)
    if args.changes < 1:
        parser.error("--changes must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = ".venv/bin/python -m bench.bench_propagation " + " ".join(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        result = run(args)
    except KeyboardInterrupt:
        log("interrupted; the database was dropped")
        return 130
    print(f"policy propagation, 2 processes, {result['postgres']}; resolution: {result['resolution']}")
    print("\n".join(summary_lines(result)))
    print("\n".join(table(result)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(markdown(result, command.strip()))
        log(f"written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
