"""``vacancyCandidates`` for a vacancy with 5,000 potential candidates: latency and statements of the first page.

    .venv/bin/python bench/bench_vacancy_candidates.py                  # SQLite and PostgreSQL
    .venv/bin/python bench/bench_vacancy_candidates.py --engines sqlite --count 10

Each engine gets a fresh migrated database (SQLite in a temporary directory; PostgreSQL a new database on
``ASNFLOW_BENCH_PG``, default postgresql://postgres@127.0.0.1:5432/postgres, dropped afterwards), filled in
bulk: a unit with 50 sub-units, a vacant PELAKSANA post in the unit requiring E-Government level 2 and
Pengolahan Data level 1 (besides the type's requirements), and 5,000 active PNS in staff posts of the
sub-units (so all 5,000 are in the post's line of the tree), each with Baik predicates for 2023-2025, two
verified trainings, one in three an assessment, one in fifty a running heavy sanction (the guards drop
them). A province-wide BKD official asks for the first page (first: 20) through the GraphQL app
in-process (httpx's ASGI transport). Reported: the statements of one request (a ``before_cursor_execute``
listener) of a repeated request, the first request's latency (cold: the ranking is computed and kept,
``workflows.vacancy_cache``), and p50/p95 wall-clock latency over ``--count`` requests after a warm-up
(the ranking read from the cache; nothing is written meanwhile). Appended to
bench/results/vacancy_candidates.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 28)
SECRET = "bench-vacancy-candidates-secret-with-enough-bytes"
PEOPLE, SUBUNITS = 5000, 50
VACANCY = "BENCH-VACANCY"
QUERY = json.dumps(
    {
        "query": f'{{ vacancyCandidates(positionCode: "{VACANCY}", first: 20) {{ totalCount edges {{ node {{ '
        "employee { nip name rank { code } } fit reasons } } } }"
    }
)
PG_ADMIN = os.environ.get("ASNFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AREAS = ("e-government", "pengolahan data", "literasi digital", "integritas", "pelayanan publik")


def _rows() -> dict[str, list[dict[str, Any]]]:
    from server.seed.competencies import competency_rows

    units = [{"id": 1, "code": "BENCH", "name": "Bench unit", "kind": "dinas", "parent_id": None, "path": "/1/"}]
    units += [
        {"id": i, "code": f"BENCH-{i}", "name": f"Bench {i}", "kind": "bidang", "parent_id": 1, "path": f"/1/{i}/"}
        for i in range(2, SUBUNITS + 2)
    ]
    for u in units:
        u["depth"] = u["path"].count("/") - 2
    position = {"quota": 1, "job_class": 6, "min_education": None, "min_rank": None, "max_rank": None}
    positions = [
        {**position, "id": 1, "code": VACANCY, "title": "Vacancy", "type": "PELAKSANA", "unit_id": 1}
        | {"parent_position_id": None, "managerial": False, "competencies": ["pengolahan data"]}
    ]
    positions += [
        {**position, "id": i, "code": f"BENCH-STAFF-{i}", "title": "Staff", "type": "PELAKSANA", "unit_id": i}
        | {"parent_position_id": None, "managerial": False, "competencies": [], "quota": 200}
        for i in range(2, SUBUNITS + 2)
    ]
    tables: dict[str, list[dict[str, Any]]] = {"units": units, "positions": positions, **competency_rows()}
    tables["competency_requirements"] += [
        {"id": 1000, "position_type": None, "position_id": 1, "competency_code": "e-government", "level": 2}
    ]
    people, assignments, evaluations, trainings, assessments, sanctions = [], [], [], [], [], []
    for i in range(1, PEOPLE + 1):
        people.append(
            {
                "id": i, "nip": f"19850101201001{i:04d}", "name": f"Pegawai {i}",
                "birth_date": dt.date(1980 + i % 15, 1 + i % 12, 1 + i % 28), "gender": "MF"[i % 2],
                "employment_type": "PNS", "education": ("SLTA", "D-III", "S1", "S2")[i % 4], "status": "active",
                "rank_code": ("II/c", "II/d", "III/a", "III/b")[i % 4], "rank_since": dt.date(2018 + i % 6, 4, 1),
                "has_service_exam": True,
            }
        )  # fmt: skip
        assignments.append(
            {"id": i, "employee_id": i, "position_id": 2 + i % SUBUNITS, "start_date": dt.date(2020, 1, 1)}
            | {"end_date": None, "kind": "definitive", "managerial": False, "decree_no": None}
        )
        for year in (2023, 2024, 2025):
            evaluations.append({"id": len(evaluations) + 1, "employee_id": i, "year": year, "predicate": "Baik"})
        for k in range(2):
            trainings.append(
                {"id": len(trainings) + 1, "employee_id": i, "title": "Pelatihan", "hours": 8 + (i * 7 + k) % 30}
                | {"date": dt.date(2025, 1 + (i + k) % 12, 10), "competencies": [AREAS[(i + k) % 5]], "verified": True}
            )
        if i % 3 == 0:
            assessments.append(
                {"id": len(assessments) + 1, "employee_id": i, "assessed_on": dt.date(2025, 5, 5)}
                | {"potential_score": 70, "potential_class": ("low", "middle", "high")[i % 3], "report_no": f"R{i}"}
            )
        if i % 50 == 0:
            sanctions.append(
                {"id": len(sanctions) + 1, "employee_id": i, "severity": "heavy", "start_date": dt.date(2026, 6, 1)}
                | {"end_date": None, "decree_no": f"S{i}", "ended_early_reason": None}
            )
    tables |= {"employees": people, "assignments": assignments, "evaluation_results": evaluations}
    tables |= {"training_records": trainings, "assessments": assessments, "disciplinary_sanctions": sanctions}
    tables["users"] = [{"id": "bench-bkd", "name": "BKD official", "employee_id": None}]
    tables["role_grants"] = [{"id": 1, "user_id": "bench-bkd", "role": "bkd_official", "unit_id": None}]
    return tables


ORDER = (
    "units", "positions", "competencies", "competency_requirements", "employees", "assignments",
    "evaluation_results", "training_records", "assessments", "disciplinary_sanctions", "users", "role_grants",
)  # fmt: skip


async def _fill(url: str) -> None:
    from server.db import Database
    from server.seed.loader import insert_rows, move_sequences_past

    tables = _rows()
    db = Database(url)
    try:
        async with db.write() as s:
            for name in ORDER:
                await insert_rows(s, name, tables[name], lambda *_: None)
            await move_sequences_past(s, [n for n in ORDER if n != "users"])
    finally:
        await db.dispose()


async def _measure(url: str, count: int) -> dict[str, Any]:
    import httpx
    from sqlalchemy import event

    from schema.app import create_app
    from server.auth import issue_token
    from server.db import Database
    from server.settings import Settings

    settings = Settings(database_url=url, secret=SECRET, env="dev", today=TODAY, viewer_cache_seconds=0)
    db = Database(url)
    app = create_app(settings, db)
    statements = 0

    def counted(*_: Any) -> None:
        nonlocal statements
        statements += 1

    headers = {"Authorization": f"Bearer {issue_token(settings, 'bench-bkd')}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:

        async def one() -> dict[str, Any]:
            return (await client.post("/graphql", content=QUERY, headers=headers)).json()  # type: ignore[no-any-return]

        started = time.perf_counter()
        answer = await one()
        cold = (time.perf_counter() - started) * 1000
        if answer.get("errors"):
            raise RuntimeError(answer["errors"][:2])
        event.listen(db.engine.sync_engine, "before_cursor_execute", counted)
        await one()
        event.remove(db.engine.sync_engine, "before_cursor_execute", counted)
        await one()
        times = []
        for _ in range(count):
            started = time.perf_counter()
            await one()
            times.append((time.perf_counter() - started) * 1000)
    await db.dispose()
    found = answer["data"]["vacancyCandidates"]
    cuts = statistics.quantiles(times, n=20)
    top = found["edges"][0]["node"] if found["edges"] else None
    return {"candidates": found["totalCount"], "rows": len(found["edges"]), "statements": statements} | {
        "cold": cold,
        "p50": statistics.median(times),
        "p95": cuts[18],
        "top": top,
    }


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run(engine: str, count: int) -> dict[str, Any]:
    from server import migrate

    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            migrate.upgrade(url)
            asyncio.run(_fill(url))
            return asyncio.run(_measure(url, count))
    name = f"asnflow_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg(f"CREATE DATABASE {name}"))
    try:
        url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
        migrate.upgrade(url)
        asyncio.run(_fill(url))
        return asyncio.run(_measure(url, count))
    finally:
        asyncio.run(_pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--count", type=int, default=20, help="requests timed per engine")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results" / "vacancy_candidates.md"
    )
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"\n### code {commit}, {PEOPLE} potential candidates, Python {platform.python_version()}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.count} requests after warm-up\n",
        "| engine | candidates (guards passed) | rows | statements | first (cold) ms | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    top = None
    for engine in args.engines.split(","):
        r = _run(engine, args.count)
        top = top or r["top"]
        lines.append(
            f"| {engine} | {r['candidates']} | {r['rows']} | {r['statements']} | {r['cold']:.0f} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} |"
        )
    if top is not None:
        lines.append(f"\nBest fit: {top['fit']} - " + "; ".join(top["reasons"]))
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.out.exists():
        args.out.write_text("# vacancyCandidates: first page for a vacancy with 5,000 potential candidates\n")
    with args.out.open("a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
