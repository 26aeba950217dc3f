"""How long ``asnflow import`` takes for the province: 65,000 employees into SQLite (or PostgreSQL).

    .venv/bin/python bench/bench_import.py                         # SQLite file in a temporary directory
    .venv/bin/python bench/bench_import.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Generates the ``jakarta`` registry in memory (server.seed.generate, seed 1), writes its units, positions,
employees, assignments and evaluations as the export would (CSV), migrates a fresh database and imports the
files in order through ``server.registry.importing.import_file`` (checks, bulk write, audit event), timing
each. ``--xlsx`` also times the employees file as XLSX (a second fresh database). ``--write FILE``
writes the markdown table (bench/results/import.md).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import migrate  # noqa: E402
from server.db import Database  # noqa: E402
from server.registry.columns import COLUMNS  # noqa: E402
from server.registry.exporting import cell  # noqa: E402
from server.registry.formats import write_sheet  # noqa: E402
from server.registry.importing import import_file  # noqa: E402
from server.seed.calendar import REFERENCE_DATE  # noqa: E402
from server.seed.generate import generate  # noqa: E402
from server.seed.sizes import profile  # noqa: E402

KINDS = ("units", "positions", "employees", "assignments", "evaluations")
_EMPLOYEE_FIELDS = (
    *("nip", "name", "birth_date", "gender", "employment_type", "education", "rank_code", "rank_since"),
    *("status", "has_service_exam"),
)


def write_files(directory: Path, suffix: str) -> dict[str, int]:
    """The jakarta registry as import files; rows per kind."""
    tables = generate(profile("jakarta"), 1)
    units = {u["id"]: u for u in tables["units"]}
    positions = {p["id"]: p for p in tables["positions"]}
    employees = {e["id"]: e for e in tables["employees"]}
    rows = {
        "units": [
            [u["code"], u["name"], u["kind"], units[u["parent_id"]]["code"] if u["parent_id"] else None]
            for u in tables["units"]
        ],
        "positions": [
            [
                *(p[k] for k in ("code", "title", "type")),
                units[p["unit_id"]]["code"],
                *(p[k] for k in ("quota", "job_class", "min_education", "min_rank", "max_rank")),
                positions[p["parent_position_id"]]["code"] if p["parent_position_id"] else None,
                p["competencies"],
            ]
            for p in tables["positions"]
        ],
        "employees": [[e[k] for k in _EMPLOYEE_FIELDS] for e in tables["employees"]],
        "assignments": [
            [employees[a["employee_id"]]["nip"], positions[a["position_id"]]["code"]]
            + [a[k] for k in ("start_date", "end_date", "kind", "decree_no")]
            for a in tables["assignments"]
        ],
        "evaluations": [
            [employees[r["employee_id"]]["nip"], r["year"], r["predicate"]] for r in tables["evaluation_results"]
        ],
    }
    for kind in KINDS:
        write_sheet(
            directory / f"{kind}{suffix}", [c.name for c in COLUMNS[kind]], ([cell(v) for v in r] for r in rows[kind])
        )
    return {kind: len(rows[kind]) for kind in KINDS}


async def run(url: str, directory: Path, suffix: str, kinds: tuple[str, ...]) -> dict[str, float]:
    db = Database(url)
    seconds: dict[str, float] = {}
    try:
        for kind in kinds:
            started = time.perf_counter()
            report = await import_file(db, kind, directory / f"{kind}{suffix}", today=REFERENCE_DATE, actor="bench")
            seconds[kind] = time.perf_counter() - started
            if not report.written:
                raise SystemExit(f"{kind}: not imported: {report.findings[:3]}")
    finally:
        await db.dispose()
    return seconds


def fresh(postgres: str | None, directory: Path, name: str) -> str:
    if postgres is None:
        url = f"sqlite:///{directory / name}.db"
    else:
        import asyncpg

        db_name = f"asnflow_bench_{uuid.uuid4().hex[:10]}"

        async def create() -> None:
            conn = await asyncpg.connect(postgres)
            await conn.execute(f"CREATE DATABASE {db_name}")
            await conn.close()

        asyncio.run(create())
        url = f"{postgres.rsplit('/', 1)[0]}/{db_name}"
    migrate.upgrade(url)
    return url


def drop(postgres: str | None, url: str) -> None:
    if postgres is None:
        return
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(postgres)
        await conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
        await conn.close()

    asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="import into a fresh PostgreSQL database instead")
    parser.add_argument("--xlsx", action="store_true", help="also import the employees as XLSX")
    parser.add_argument("--write", type=Path, help="write the markdown table here")
    args = parser.parse_args()
    engine = "PostgreSQL" if args.postgres else "SQLite"
    lines = [
        f"# asnflow import, jakarta registry (seed 1), {engine}",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, {platform.machine()}",
        "",
        "| file | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        counts = write_files(directory, ".csv")
        url = fresh(args.postgres, directory, "csv")
        try:
            seconds = asyncio.run(run(url, directory, ".csv", KINDS))
        finally:
            drop(args.postgres, url)
        for kind in KINDS:
            lines.append(
                f"| {kind}.csv | {counts[kind]:,} | {seconds[kind]:.1f} | {counts[kind] / seconds[kind]:,.0f} |"
            )
        if args.xlsx:
            write_files(directory, ".xlsx")
            url = fresh(args.postgres, directory, "xlsx")
            try:
                asyncio.run(run(url, directory, ".csv", ("units", "positions")))
                xlsx = asyncio.run(run(url, directory, ".xlsx", ("employees",)))
            finally:
                drop(args.postgres, url)
            n = counts["employees"]
            lines.append(f"| employees.xlsx | {n:,} | {xlsx['employees']:.1f} | {n / xlsx['employees']:,.0f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text)


if __name__ == "__main__":
    main()
