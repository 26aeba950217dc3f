"""Migration 0027: a request's origin unit, delivery date and approvals move out of ``data`` into their own
column and table, values included, and back on downgrade; on both engines."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server import migrate
from server.db import async_url
from tests.server.migration_helpers import on_new_postgres

STAMP = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)
TRANSFER_DATA = {"reason": "closer to home", "originUnitId": 1, "proposer": "199001012015011001"}
EVALUATION_DATA = {
    "year": 2025,
    "deliveredOn": "2026-01-30",
    "approvals": {"verify": "legacy-user", "decide": "199001012015011002"},  # step -> user, before round 2
    "approvers": {"199001012015011002": "recommend"},  # person -> their first approval step, since round 2
}


def _run(url: str, statements: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def go() -> list[Any]:
        engine = create_async_engine(async_url(url))
        out: list[Any] = []
        async with engine.begin() as conn:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                out.append(result.all() if result.returns_rows else None)
        await engine.dispose()
        return out

    return asyncio.run(go())


def _seed(url: str) -> None:
    request = (
        "INSERT INTO workflow_requests (id, kind, state, version, terminal, definition_version, subject_employee_id, "
        "unit_id, proposed_by, data, rule_versions, effects_applied, created_at, updated_at) VALUES (:id, :kind, "
        "'proposed', 1, false, 'x/1', 1, 1, 'u', :data, '{}', false, :at, :at)"
    )
    _run(
        url,
        [
            ("INSERT INTO units (id, code, name, kind, path, depth) VALUES (1, 'U1', 'Unit', 'dinas', '1', 0)", {}),
            (
                "INSERT INTO employees (id, nip, name, birth_date, gender, employment_type, education, status, "
                "has_service_exam) VALUES (1, '199001012015011001', 'Budi', :born, 'M', 'PNS', 'S1', 'active', false)",
                {"born": dt.date(1990, 1, 1)},
            ),
            (request, {"id": 1, "kind": "TRANSFER", "data": orjson.dumps(TRANSFER_DATA).decode(), "at": STAMP}),
            (request, {"id": 2, "kind": "EVALUATION", "data": orjson.dumps(EVALUATION_DATA).decode(), "at": STAMP}),
        ],
    )


def _requests(url: str, columns: str) -> list[Any]:
    (rows,) = _run(url, [(f"SELECT id, {columns} FROM workflow_requests ORDER BY id", {})])
    return [tuple(_value(v) for v in r) for r in rows]


def _value(v: Any) -> Any:
    """JSON decoded, a date as its ISO text (what SQLite answers for a date column read as text)."""
    if isinstance(v, str) and v.startswith("{"):
        return orjson.loads(v)
    if isinstance(v, dict):
        return v
    return v.isoformat() if isinstance(v, dt.date) else v


def _round_trip(url: str) -> None:
    migrate.upgrade(url, "0021")
    _seed(url)
    migrate.upgrade(url, "0027")
    assert _requests(url, "origin_unit_id, delivered_on, data") == [
        (1, 1, None, {"reason": "closer to home", "proposer": "199001012015011001"}),
        (2, None, "2026-01-30", {"year": 2025}),
    ]
    (approvals,) = _run(url, [("SELECT request_id, person, step FROM request_approvals ORDER BY person", {})])
    assert [tuple(a) for a in approvals] == [
        (2, "199001012015011002", "recommend"),  # the person's own first step wins over the legacy map
        (2, "legacy-user", "verify"),
    ]
    migrate.downgrade(url, "0021")
    restored = dict(_requests(url, "data"))
    assert restored[1] == TRANSFER_DATA
    assert restored[2]["deliveredOn"] == "2026-01-30" and restored[2]["year"] == 2025
    assert restored[2]["approvers"] == {"199001012015011002": "recommend", "legacy-user": "verify"}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/m.db"


def test_sqlite_moves_origin_delivery_and_approvals_out_of_data_and_back(sqlite_url: str) -> None:
    _round_trip(sqlite_url)


@pytest.mark.postgres
def test_postgresql_moves_origin_delivery_and_approvals_out_of_data_and_back() -> None:
    on_new_postgres(_round_trip)
