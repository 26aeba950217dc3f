"""``workforceNeeds`` over a seeded database: statements and time for a kecamatan, an agency and the province.

    .venv/bin/asnflow migrate && .venv/bin/asnflow seed --size jakarta      # with ASNFLOW_DATABASE_URL set
    .venv/bin/python bench/bench_workforce_needs.py sqlite+aiosqlite:////tmp/jakarta.db

Reads as a province-wide auditor (every position readable), the figures and the tasks of each unit's subtree
(``workflows.workforce``: the two statements the GraphQL field runs), five times each; prints the median.
The statement count must not grow with the unit: it is 2 for a kecamatan and for the whole province.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import sys
import time

from sqlalchemy import event, select

from policies.viewer import Grant, Viewer
from server.db import Database
from server.models import Unit
from workflows.workforce import workforce_needs, workload_tasks

TODAY = dt.date(2026, 11, 28)  # server.seed.REFERENCE_DATE
UNITS = ("KEC-GAMBIR", "DINKES", None)  # None: the root, the whole province


async def main(url: str) -> None:
    db = Database(url)
    auditor = Viewer("bench-auditor", grants=(Grant("auditor"),))
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.read() as s:
            for code in UNITS:
                where = Unit.code == code if code else Unit.parent_id.is_(None)
                unit = (await s.execute(select(Unit).where(where))).scalar_one()
                times = []
                for _ in range(5):
                    statements[0] = 0
                    started = time.perf_counter()
                    needs = await workforce_needs(s, auditor, unit=unit, include_subunits=True, day=TODAY)
                    tasks = await workload_tasks(s, auditor, unit=unit, include_subunits=True)
                    times.append(time.perf_counter() - started)
                rows = sum(len(t) for t in tasks.values())
                print(
                    f"{db.engine.dialect.name} {unit.code}: {len(needs)} positions, {rows} tasks, "
                    f"{statements[0]} statements, median {statistics.median(times) * 1000:.0f} ms"
                )
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
