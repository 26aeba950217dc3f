"""``InParam``: a list bound at execution selects the same rows as ``IN`` with that list, on either engine, and is
rendered without an expanding parameter on PostgreSQL (``= ANY``: nothing re-rendered per execution)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Database
from server.models import Unit
from server.sql import InParam

CODES = ["U-A", "U-B", "U-C", "U-D"]
_BY_PARAM = select(Unit.code).where(InParam(Unit.code, "codes")).order_by(Unit.code)


@pytest.mark.parametrize("wanted", [["U-B"], ["U-D", "U-A"], ["U-A", "U-B", "U-C", "U-D", "NONE"], ["NONE"], []])
async def test_the_rows_are_those_of_in_with_the_same_list(db: Database, wanted: list[str]) -> None:
    async with db.write() as s:
        await s.execute(insert(Unit), [{"code": c, "name": c, "path": f"/{c}/", "kind": "dinas"} for c in CODES])
    async with db.read() as s:
        by_param = list((await s.execute(_BY_PARAM, {"codes": wanted})).scalars())
        by_in = list((await s.execute(select(Unit.code).where(Unit.code.in_(wanted)).order_by(Unit.code))).scalars())
    assert by_param == by_in == sorted(c for c in wanted if c in CODES)


def test_postgresql_binds_one_array_and_sqlite_an_expanding_list() -> None:
    on_postgres = _BY_PARAM.compile(dialect=postgresql.asyncpg.dialect())
    on_sqlite = _BY_PARAM.compile(dialect=sqlite.dialect())
    assert "units.code = ANY ($1::VARCHAR(40)[])" in str(on_postgres) and not on_postgres.post_compile_params
    assert "units.code IN (__[POSTCOMPILE_codes])" in str(on_sqlite)
