"""The report of bench/side_by_side.py: bench/RESULTS-side-by-side.md."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

from bench.run_all import MY_TASKS_QUERY, NOTES_MARKER, POSITIONS_QUERY
from bench.side_by_side import BENCH, PAGES, PG_POSITIONS, SYSTEMS, Config

LABEL = {"floor": "floor (asyncpg + orjson)", "postgraphile": "PostGraphile 4", "asnflow": "asnflow serve"}


def render(configs: list[Config], args: argparse.Namespace, command: str, seed_seconds: float, version: str) -> str:
    from bench.run_read import machine

    out = [
        "# Side by side: asnflow, PostGraphile 4 and a floor (asyncpg + orjson)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')}, `{args.size}` seed on {version} ({seed_seconds:.0f} s to seed "
        "and prepare), as the BKD verifier. Command (from the repository root):",
        "",
        f"```sh\n{command}\n```",
        "",
        "Each server runs on its own copy of the database, one at a time under load; `wrk` "
        f"(bench/wrkload.py) with {args.connections} connections, {args.threads} thread, {args.warmup:.0f} s "
        f"warm-up then {args.duration:.0f} s measured per target. *server CPU ms/request* is the CPU time of all "
        "the server's processes (from /proc) over the measured run divided by the requests answered: on a shared "
        "machine it is the steadier figure, req/s and latency depend on what else runs.",
        "",
        "- **floor**: bench/floor.py, asyncpg + orjson, hand-written SQL (positions: 2 statements, myTasks: 1), "
        "the verifier's scoping compiled from the project's rule once per cached viewer; the same JSON bytes as "
        "asnflow (checked before measuring).",
        "- **PostGraphile 4** (bench/package.json): compiles the GraphQL query to one SQL statement, no "
        "authorization (reads as the database owner). Nearest equivalent queries: positions "
        f"`{PG_POSITIONS}` (definitive assignments with their dates instead of the holders on the day, `quota` "
        "instead of `vacancies`); myTasks `allTasks` with `condition: {closedAt: null, role: ...}` (the "
        "verifier's role, province-wide), newest first. Checked before measuring: the same 50 position codes "
        "and the same task ids in the same order as asnflow.",
        "- **asnflow**: `asnflow serve --workers N`, the GraphQL pages of bench/run_all.py:",
        f"  `{POSITIONS_QUERY}` and `{MY_TASKS_QUERY}`.",
        "",
    ]
    for cfg in configs:
        out += [f"## {cfg.processes} process{'es' if cfg.processes > 1 else ''} each", ""]
        out += [f"- {c}" for c in cfg.checks]
        out += [
            "",
            "| page | server | req/s | p50 ms | p99 ms | failures | server CPU ms/request | machine busy (before) |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for page in PAGES:
            for system in SYSTEMS:
                m = cfg.measurements.get((system, page))
                if m is None:
                    continue
                w = m.wrk
                out.append(
                    f"| {page} | {LABEL[system]} | {w.rps:,.0f} | {w.p50_ms:.1f} | {w.p99_ms:.1f} | {w.failures} "
                    f"| {m.server_cpu_ms:.2f} | {m.machine_busy:.2f} ({m.busy_before:.2f}) |"
                )
        out += [
            "",
            "| page | asnflow / PostGraphile req/s | asnflow / floor req/s | CPU per request: "
            "asnflow / PostGraphile | asnflow / floor |",
            "|---|---:|---:|---:|---:|",
        ]
        for page in PAGES:
            a, p, f = (cfg.measurements.get((s, page)) for s in ("asnflow", "postgraphile", "floor"))
            if a is None or p is None or f is None:
                continue
            out.append(
                f"| {page} | {a.wrk.rps / max(p.wrk.rps, 1e-9):.0%} | {a.wrk.rps / max(f.wrk.rps, 1e-9):.0%} "
                f"| {a.server_cpu_ms / max(p.server_cpu_ms, 1e-9):.1f}x | {a.server_cpu_ms / max(f.server_cpu_ms, 1e-9):.1f}x |"
            )
        out.append("")
    busy = max((m.busy_before for c in configs for m in c.measurements.values()), default=0.0)
    if busy > args.quiet_cpus:
        out.append(
            f"**Conditions**: other processes kept up to {busy:.2f} of {os.cpu_count()} CPUs busy just before a "
            f"measured run (waited up to {args.quiet_wait:.0f} s for quiet): req/s and latency are depressed and "
            "noisy; compare the CPU per request."
        )
        out.append("")
    out += ["## Machine", "", *machine(), f"- PostGraphile {_pg_version()}, Node {_node_version()}", ""]
    return "\n".join(out)


BEGIN = "<!-- side by side: rewritten by bench/side_by_side.py (--results), kept by bench/run_all.py -->"
END = "<!-- end of side by side -->"


def into_results(path: Path, text: str) -> None:
    """The report as a section of ``path`` (bench/RESULTS.md), below run_all's notes marker so a run_all
    rewrite keeps it; a previous side-by-side section there is replaced."""
    demoted = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
    block = f"{BEGIN}\n\n{demoted.strip()}\n\n{END}"
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END) :]
    elif NOTES_MARKER in old:
        at = old.index(NOTES_MARKER) + len(NOTES_MARKER)
        new = old[:at] + "\n\n" + block + "\n" + old[at:]
    else:
        new = old + ("\n" if old else "") + NOTES_MARKER + "\n\n" + block + "\n"
    path.write_text(new)


def _pg_version() -> str:
    try:
        return str(json.loads((BENCH / "node_modules" / "postgraphile" / "package.json").read_text())["version"])
    except OSError:
        return "?"


def _node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
