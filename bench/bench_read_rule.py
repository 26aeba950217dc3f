"""The read rule's cost on registry pages: SQL statements and CPU per page, before and after round 2.

    .venv/bin/python bench/bench_read_rule.py --size small --label after
    .venv/bin/python bench/bench_read_rule.py --size small --label before --tree /tmp/main-checkout
    .venv/bin/python bench/bench_read_rule.py --size jakarta --label after --out bench/results/read_rule.md

``--tree`` runs another checkout's code (say main before the read rule) with this script: its path goes
first on ``sys.path``, so ``schema``, ``server`` and ``policies`` come from there. Each run makes a
SQLite database in a temporary directory, migrates and seeds it (``--size``, seed 1), grants a unit head
over the DINKES agency (by NIP, as the seed's heads are), then drives the GraphQL app in-process (httpx's
ASGI transport; no server, no network) as that head and as the province-wide administrator:

* ``positions``: a page of DINKES positions with their holders on 2016-01-01 (former holders: cards
  under the rule) and today, with list fields of the file (the queries run unchanged on older code);
* ``employees``: a page of people with their assignments, evaluations and training hours.

Per page size (10 and 50) it counts the statements of one request (a ``before_cursor_execute``
listener) and the process CPU time per request over ``--count`` requests after a warm-up. The rule
must add statements per page, never per row: the 10 and 50 columns of one line must be equal. Results
are appended to ``--out`` (default bench/results/read_rule.md) and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TODAY = dt.date(2026, 11, 28)  # server.seed.REFERENCE_DATE
SECRET = "bench-read-rule-secret-with-enough-bytes"
POSITIONS = """{ positions(first: %d, filter: {unitCode: "DINKES", includeSubunits: true}) { edges { node {
  code holders(asOf: "2016-01-01") { nip name assignments { startDate } evaluations { year } }
  now: holders { nip name rankHistory { tmt } assignments { startDate } }
} } } }"""
EMPLOYEES = """{ employees(first: %d) { edges { node {
  nip name assignments { startDate position { code } } evaluations { year } trainingHours(year: 2025)
} } } }"""
PAGES = {"positions": POSITIONS, "employees": EMPLOYEES}


async def _prepare(url: str, size: str) -> str:
    """Seed the database and grant a DINKES head; returns the head's NIP."""
    from sqlalchemy import select

    from server.db import Database
    from server.models import Assignment, Employee, Position, RoleGrant, Unit
    from server.seed import seed

    db = Database(url)
    try:
        await seed(db, size=size, seed=1, progress=False)
        async with db.write() as s:
            unit = (await s.execute(select(Unit).where(Unit.code == "DINKES"))).scalar_one()
            nip = (
                await s.execute(
                    select(Employee.nip)
                    .join(Assignment, Assignment.employee_id == Employee.id)
                    .join(Position, Position.id == Assignment.position_id)
                    .where(Position.unit_id == unit.id, Assignment.end_date.is_(None))
                    .order_by(Employee.nip)
                    .limit(1)
                )
            ).scalar_one()
            s.add(RoleGrant(user_id=nip, role="unit_head", unit_id=unit.id))
        return str(nip)
    finally:
        await db.dispose()


async def _measure(url: str, users: dict[str, str], count: int) -> list[dict[str, Any]]:
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

    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for who, user in users.items():
            headers = {"Authorization": f"Bearer {issue_token(settings, user)}"}
            for page, query in PAGES.items():
                row: dict[str, Any] = {"viewer": who, "page": page}
                for first in (10, 50):
                    body = json.dumps({"query": query % first})

                    async def one(body: str = body, headers: dict[str, str] = headers) -> dict[str, Any]:
                        r = await client.post(
                            "/graphql", content=body, headers=headers | {"Content-Type": "application/json"}
                        )
                        return r.json()  # type: ignore[no-any-return]

                    answer = await one()
                    if answer.get("errors"):
                        raise RuntimeError(answer["errors"][:2])
                    statements = 0
                    event.listen(db.engine.sync_engine, "before_cursor_execute", counted)
                    await one()
                    event.remove(db.engine.sync_engine, "before_cursor_execute", counted)
                    row[f"statements_{first}"] = statements
                    row[f"rows_{first}"] = len(next(iter(answer["data"].values()))["edges"])
                    for _ in range(3):
                        await one()
                    cpu = time.process_time()
                    for _ in range(count):
                        await one()
                    row[f"cpu_ms_{first}"] = (time.process_time() - cpu) / count * 1000
                rows.append(row)
    await db.dispose()
    return rows


def _commit(tree: Path) -> str:
    found = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() or "(not a git checkout)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="small", choices=["small", "jakarta"])
    parser.add_argument("--count", type=int, default=30, help="requests timed per page size")
    parser.add_argument("--label", default="after")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "read_rule.md")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    from server import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        head = asyncio.run(_prepare(url, args.size))
        rows = asyncio.run(_measure(url, {"unit_head DINKES": head, "admin (province-wide)": "admin"}, args.count))
    lines = [
        f"\n### {args.label}: code {_commit(args.tree)}, seed {args.size}, SQLite, {platform.python_version()}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n",
        "| viewer | page | rows | statements (10 rows) | statements (50 rows) | CPU ms (10 rows) | CPU ms (50 rows) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['viewer']} | {r['page']} | {r['rows_10']}/{r['rows_50']} | {r['statements_10']} | "
            f"{r['statements_50']} | {r['cpu_ms_10']:.1f} | {r['cpu_ms_50']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.out.exists():
        args.out.write_text("# The read rule's cost per page (bench/bench_read_rule.py)\n")
    with args.out.open("a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
