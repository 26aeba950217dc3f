"""An export carries every event with what is needed to recompute the chain without the database."""

from __future__ import annotations

import csv
import io

import orjson

from server.audit.encoding import GENESIS_HASH, event_hash
from server.audit.export import export
from server.audit.queries import CHAIN_COLUMN_NAMES
from server.audit.writer import append
from server.db import Database
from tests.server.test_audit_verify import entry, write_events


async def test_json_lines_round_trip_the_chain(db: Database) -> None:
    await write_events(db, 7, per_transaction=3)
    async with db.write() as s:
        await append(s, [entry(8, comment="catatan — ✓", after={"b": 1, "a": [1.5, None]})])
    out = io.BytesIO()
    assert await export(db, out, fmt="jsonl") == 8
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, 9))
    prev = GENESIS_HASH
    for line in lines:
        assert list(line) == list(CHAIN_COLUMN_NAMES)
        assert line["prev_hash"] == prev
        assert event_hash(line) == line["hash"]
        prev = line["hash"]
    assert lines[-1]["comment"] == "catatan — ✓"


async def test_csv_has_a_header_and_one_row_per_event_in_seq_order(db: Database) -> None:
    await write_events(db, 5)
    out = io.StringIO()
    assert await export(db, out, fmt="csv") == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [int(r["seq"]) for r in rows] == [1, 2, 3, 4, 5]
    assert orjson.loads(rows[0]["after"]) == {"n": 1, "state": "unit_review"}
    assert rows[0]["on_behalf_of"] == ""
    assert rows[0]["at"].endswith("Z")


async def test_an_empty_log_exports_only_the_csv_header(db: Database) -> None:
    out = io.StringIO()
    assert await export(db, out, fmt="csv") == 0
    assert out.getvalue().strip() == ",".join(CHAIN_COLUMN_NAMES)


async def test_export_reports_progress(db: Database) -> None:
    await write_events(db, 4)
    seen: list[int] = []
    await export(db, io.BytesIO(), fmt="jsonl", on_progress=seen.append)
    assert seen[-1] == 4
