"""``asnflow seed`` and ``asnflow personas``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import orjson

from server.db import Database
from server.seed import SIZES, SeedError, personas, seed
from server.settings import get_settings


async def _seed(size: str, number: int) -> int:
    db = Database(get_settings().database_url)
    try:
        report = await seed(db, size=size, seed=number, progress=sys.stderr.isatty())
    except SeedError as exc:
        print(f"asnflow seed: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    counts = ", ".join(f"{n:,} {table}" for table, n in report.counts.items())
    print(f"seeded '{size}' (seed {number}) in {report.elapsed_seconds:.1f} s: {counts}")
    return 0


async def _personas(as_json: bool) -> int:
    db = Database(get_settings().database_url)
    try:
        people = await personas(db)
    finally:
        await db.dispose()
    if as_json:
        sys.stdout.write(orjson.dumps(people, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    for p in people:
        roles = ", ".join(f"{r['role']}@{r['unitCode']}" if r["unitCode"] else r["role"] for r in p["roles"])
        print(f"{p['userId']:<20} {p['name']:<36} {roles}")
    return 0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("seed", help="fill an empty database with deterministic synthetic data")
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives byte-identical data")
    p.set_defaults(func=lambda a: asyncio.run(_seed(a.size, a.seed)))
    p = sub.add_parser("personas", help="the demo users and their roles")
    p.add_argument("--json", action="store_true", help="a JSON array (userId, name, nip, roles)")
    p.set_defaults(func=lambda a: asyncio.run(_personas(a.json)))
