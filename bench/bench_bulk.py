"""Bulk decisions at Jakarta's size: ``actMany`` of 200 verifications and BKD's bulk rank-promotion proposal.

    .venv/bin/python -m bench.bench_bulk --backends sqlite,postgres [--size jakarta] [--max-calls 5]

For each backend a fresh database is migrated and seeded (``--size``, default ``jakarta``: about 65,000
employees; the unit HR persona is then given its role province-wide, since the seed has unit HR in Gambir
only). Then, in-process (the real ASGI app over httpx's ASGI transport, no network, judged on the seed's
reference date):

* ``proposeRankPromotions`` for the period 2026-12-01 as the BKD official, calls of 200 in NIP order
  (``after: endCursor``) until the list is done or ``--max-calls`` calls were made: per call the time,
  the statements and the proposals made; the size of the period's list (``totalCount`` of
  ``rankPromotionCandidates``) is measured before;
* unit HR readies the documents of the first 200 proposals with one ``actMany`` (not measured), then
  ``actMany`` of their 200 ``verify`` steps (six guards each) as the BKD verifier, one call: wall time and
  SQL statements (a ``before_cursor_execute`` listener), refusals counted.

Results go to ``bench/results/bulk.md`` (``--write``) and stdout. A benchmark, not a test: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select, text

from bench.bench_act import SECRET, TODAY, Backend, PostgresBackend, SqliteBackend
from server import migrate
from server.auth import issue_token
from server.db import Database
from server.models import Employee, RoleGrant
from server.seed import persona_user_ids, seed
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "bulk.md"
PERIOD = dt.date(2026, 12, 1)
ACT_MANY = """mutation($input: ActManyInput!) { actMany(input: $input) {
  results { request { id state } errors { code message } } errors { code message } } }"""
PROPOSE = """mutation($input: ProposeRankPromotionsInput!) { proposeRankPromotions(input: $input) {
  results { employeeNip request { id } errors { code message } } hasMore endCursor errors { code message } } }"""
LIST_SIZE = "query($p: Date!) { rankPromotionCandidates(period: $p, first: 1) { totalCount } }"


def log(message: str) -> None:
    print(f"[bench_bulk {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Call:
    seconds: float
    statements: int
    items: int
    refused: int


@dataclass
class Run:
    backend: str
    employees: int
    seed_seconds: float
    act_many: Call | None = None
    list_size: int = 0
    list_seconds: float = 0.0
    proposals: list[Call] = field(default_factory=list)
    complete: bool = False


class Counter:
    """SQL statements sent on ``db``'s engine while it is on."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        self.count = 0

    def _on(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> Counter:
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


async def _measure(url: str, backend: str, seed_seconds: float, max_calls: int) -> Run:
    from schema.app import create_app

    settings = Settings(database_url=url, secret=SECRET, env="test", today=TODAY)
    db = Database(url)
    app = create_app(settings, db)
    people = await persona_user_ids(db)

    def headers(persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(settings, people[persona])}"}

    async with db.read() as s:
        employees = int((await s.execute(select(func.count(Employee.id)))).scalar_one())
    run = Run(backend, employees, seed_seconds)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=None) as c:
        started = time.perf_counter()
        size = await c.post(
            "/graphql",
            json={"query": LIST_SIZE, "variables": {"p": PERIOD.isoformat()}},
            headers=headers("bkd_official"),
        )
        run.list_seconds = time.perf_counter() - started
        run.list_size = int(size.json()["data"]["rankPromotionCandidates"]["totalCount"])
        log(f"{backend}: the {PERIOD} list has {run.list_size} people ({run.list_seconds:.1f}s to count)")
        after = None
        calls: list[list[dict[str, Any]]] = []
        for _ in range(max_calls):
            variables = {"input": {"period": PERIOD.isoformat(), "first": 200, "after": after}}
            with Counter(db) as statements:
                started = time.perf_counter()
                answer = (
                    await c.post(
                        "/graphql", json={"query": PROPOSE, "variables": variables}, headers=headers("bkd_official")
                    )
                ).json()
                seconds = time.perf_counter() - started
            done = answer["data"]["proposeRankPromotions"]
            assert done["errors"] == [], done["errors"]
            refused = sum(1 for r in done["results"] if r["errors"])
            run.proposals.append(Call(seconds, statements.count, len(done["results"]), refused))
            log(f"{backend}: proposed {len(done['results'])} in {seconds:.2f}s, {statements.count} statements")
            calls.append(done["results"])
            after = done["endCursor"]
            if not done["hasMore"]:
                run.complete = True
                break
        proposed = [r["request"]["id"] for call in calls for r in call if r["request"] is not None][:200]
        ready = [{"requestId": rid, "action": "prepare_documents"} for rid in proposed]
        body = {"query": ACT_MANY, "variables": {"input": {"items": ready}}}
        answer = (await c.post("/graphql", json=body, headers=headers("unit_hr"))).json()
        assert not any(r["errors"] for r in answer["data"]["actMany"]["results"]), answer
        items = [{"requestId": rid, "action": "verify"} for rid in proposed]
        body = {"query": ACT_MANY, "variables": {"input": {"items": items}}}
        with Counter(db) as statements:
            started = time.perf_counter()
            answer = (await c.post("/graphql", json=body, headers=headers("bkd_verifier"))).json()
            seconds = time.perf_counter() - started
        results = answer["data"]["actMany"]["results"]
        refused = sum(1 for r in results if r["errors"])
        run.act_many = Call(seconds, statements.count, len(results), refused)
        log(f"{backend}: actMany of {len(results)} in {seconds:.2f}s, {statements.count} statements, {refused} refused")
    await db.dispose()
    return run


def report(runs: list[Run], command: str, size: str) -> str:
    lines = [
        "# Bulk decisions (bench/bench_bulk.py)",
        "",
        f"`{command}` on {platform.node()} ({platform.machine()}, Python {platform.python_version()}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Seed `{size}`, judged on {TODAY}; in-process "
        "(the ASGI app over httpx's ASGI transport, no network), one client, the machine shared with other work: "
        "the times are indicative, the statement counts exact.",
        "",
        "## actMany of 200 verifications (rank promotions from the bulk run, the BKD verifier, one call)",
        "",
        "| backend | employees | items | refused | time | per item | SQL statements | per item |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        a = r.act_many
        if a is None:
            continue
        lines.append(
            f"| {r.backend} | {r.employees:,} | {a.items} | {a.refused} | {a.seconds:.2f} s | "
            f"{1000 * a.seconds / max(a.items, 1):.1f} ms | {a.statements:,} | {a.statements / max(a.items, 1):.1f} |"
        )
    lines += [
        "",
        f"## proposeRankPromotions, period {PERIOD} (the BKD official, calls of 200)",
        "",
        "| backend | list size | calls | proposed | refused | time | per proposal | SQL statements | per proposal | "
        "whole list |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        made = sum(p.items for p in r.proposals)
        seconds = sum(p.seconds for p in r.proposals)
        statements = sum(p.statements for p in r.proposals)
        whole = (
            "yes"
            if r.complete
            else f"no: {made} of {r.list_size}, about {seconds / max(made, 1) * r.list_size / 60:.0f} min for all"
        )
        lines.append(
            f"| {r.backend} | {r.list_size:,} | {len(r.proposals)} | {made:,} | {sum(p.refused for p in r.proposals)} | "
            f"{seconds:.1f} s | {1000 * seconds / max(made, 1):.1f} ms | {statements:,} | "
            f"{statements / max(made, 1):.1f} | {whole} |"
        )
    lines += ["", "Per call:", ""]
    for r in runs:
        calls = ", ".join(f"{p.items} in {p.seconds:.1f} s / {p.statements:,} statements" for p in r.proposals)
        lines.append(f"- {r.backend}: {calls}")
    lines += [
        "",
        "Each item is its own transaction through the single command (`act`, `proposeRankPromotion`), so the",
        "statements per item are those of one command plus the batch's shared reads (the page of candidates,",
        "the payloads read once per call). Seeding is not counted.",
        "",
    ]
    return "\n".join(lines)


async def _one(url: str, backend: str, size: str, max_calls: int) -> Run:
    await migrate.upgrade_async(url)
    db = Database(url)
    try:
        started = time.perf_counter()
        seeded = await seed(db, size=size, seed=1, progress=False)
        seed_seconds = time.perf_counter() - started
        log(f"{backend}: seeded {size} in {seed_seconds:.0f}s ({seeded.employees} employees)")
        async with db.engine.connect() as conn:  # fresh statistics, as autovacuum or an operator would leave them
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        # Unit HR readies the documents of every proposal; the seed has unit HR in Gambir only, so the unit HR
        # persona is given the role province-wide for the bench (a set-up step, not measured).
        people = await persona_user_ids(db)
        async with db.write() as s:
            s.add(RoleGrant(user_id=people["unit_hr"], role="unit_hr", unit_id=None, valid_from=dt.date(2020, 1, 1)))
    finally:
        await db.dispose()
    return await _measure(url, backend, seed_seconds, max_calls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--size", default="jakarta")
    parser.add_argument("--max-calls", type=int, default=5, help="proposeRankPromotions calls of 200 at most")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.backends.split(","):
            backend: Backend = SqliteBackend(Path(tmp)) if name == "sqlite" else PostgresBackend(args.pg)
            url = backend.create()  # outside the event loop: PostgreSQL's admin statements run their own
            try:
                runs.append(asyncio.run(_one(url, backend.name, args.size, args.max_calls)))
            finally:
                backend.drop(url)
    command = "python -m bench.bench_bulk " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(runs, command.strip(), args.size)
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
