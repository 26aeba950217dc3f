"""``asnflow import units|positions|assignments|evaluations``: records must fit the registry and the rest of
the file (known codes, quotas, no overlapping posts, final predicates never overwritten), or nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import Assignment, EvaluationResult, Position, Unit
from server.registry.columns import COLUMNS
from tests import factories as f
from tests.server.import_helpers import chain_holds, counts, finding, named, run_import, write_csv, write_xlsx

D = dt.date


def sheet(tmp_path: Path, kind: str, rows: Sequence[dict[str, Any]], suffix: str = ".csv") -> Path:
    header = [c.name for c in COLUMNS[kind]]
    writer = write_xlsx if suffix == ".xlsx" else write_csv
    return writer(tmp_path / f"{kind}{suffix}", header, [[r.get(c) for c in header] for r in rows])


@pytest.fixture
async def office(db: Database) -> dict[str, Any]:
    """A unit with a head post (quota 1) and a staff post (quota 2) held by one of two registered employees."""
    async with db.write() as s:
        unit = await f.unit(s, "DINAS-A")
        head = await f.position(s, "A-HEAD", unit, type="ADMINISTRATOR")
        staff = await f.position(s, "A-STAFF", unit, quota=2, parent=head)
        ani = await f.employee(s, "Ani", birth=D(1985, 5, 17), appointed=(2008, 3), gender="F")
        budi = await f.employee(s, "Budi", birth=D(1986, 1, 2), appointed=(2009, 1))
        await f.assign(s, ani, staff, D(2020, 1, 1))
        return {"unit": unit.code, "head": head.code, "staff": staff.code, "ani": ani.nip, "budi": budi.nip} | {
            "ani_row": ani
        }


async def test_units_join_the_tree_parents_first_whatever_the_order_of_the_rows(db: Database, tmp_path: Path) -> None:
    rows = [
        {"code": "KEL-X", "name": "Kelurahan X", "kind": "kelurahan", "parentCode": "KEC-X"},
        {"code": "KEC-X", "name": "Kecamatan X", "kind": "kecamatan", "parentCode": "ROOT"},
        {"code": "ROOT", "name": "Pemprov", "kind": "province"},
    ]
    report = await run_import(db, "units", sheet(tmp_path, "units", rows))
    assert report.written, report.findings
    async with db.read() as s:
        units = {u.code: u for u in (await s.execute(select(Unit))).scalars()}
    assert units["KEL-X"].path == f"/{units['ROOT'].id}/{units['KEC-X'].id}/{units['KEL-X'].id}/"
    assert units["KEL-X"].depth == 2


async def test_a_unit_whose_parent_is_nowhere_or_that_loops_is_refused(db: Database, tmp_path: Path) -> None:
    rows = [
        {"code": "A", "name": "A", "kind": "dinas", "parentCode": "B"},
        {"code": "B", "name": "B", "kind": "dinas", "parentCode": "A"},
        {"code": "C", "name": "C", "kind": "dinas", "parentCode": "NOWHERE"},
    ]
    report = await run_import(db, "units", sheet(tmp_path, "units", rows))
    assert named(report.findings) == {(2, "parentCode"), (3, "parentCode"), (4, "parentCode")}
    assert "must form a tree" in finding(report.findings, 2, "parentCode").message


async def test_positions_are_created_or_updated_by_code(db: Database, office: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        {"code": office["staff"], "title": "Analis", "type": "PELAKSANA", "unitCode": office["unit"], "quota": "3"}
        | {"parentCode": office["head"], "competencies": "analisis; data"},
        {"code": "A-NEW", "title": "Pranata", "type": "FUNGSIONAL", "unitCode": office["unit"], "quota": "2"}
        | {"jobClass": "7", "minRank": "II/c", "maxRank": "III/b", "parentCode": office["staff"]},
    ]
    report = await run_import(db, "positions", sheet(tmp_path, "positions", rows))
    assert report.written and report.counts == {"created": 1, "updated": 1}
    async with db.read() as s:
        stored = {p.code: p for p in (await s.execute(select(Position))).scalars()}
    assert stored[office["staff"]].quota == 3 and stored[office["staff"]].competencies == ["analisis", "data"]
    assert stored["A-NEW"].parent_position_id == stored[office["staff"]].id
    assert await chain_holds(db)


async def test_bad_positions_are_named_unknown_unit_quota_below_holders_bad_ranks(
    db: Database, office: dict[str, Any], tmp_path: Path
) -> None:
    async with db.write() as s:
        staff = (await s.execute(select(Position).where(Position.code == office["staff"]))).scalar_one()
        carla = await f.employee(s, "Carla", birth=D(1990, 3, 3), appointed=(2015, 1), gender="F")
        await f.assign(s, carla, staff, D(2021, 1, 1))
    base = {"title": "T", "type": "PELAKSANA", "quota": "1"}
    rows = [
        base | {"code": "A-X", "unitCode": "NO-SUCH-UNIT"},  # row 2
        base | {"code": office["staff"], "unitCode": office["unit"]},  # row 3: 2 holders today
        base | {"code": "A-Y", "unitCode": office["unit"], "minRank": "III/d", "maxRank": "III/a"},  # row 4
        base | {"code": "A-Z", "unitCode": office["unit"], "quota": "two"},  # row 5
        base | {"code": "A-W", "unitCode": office["unit"], "type": "BOSS", "parentCode": "A-NOPE"},  # row 6
    ]
    before = await counts(db)
    report = await run_import(db, "positions", sheet(tmp_path, "positions", rows))
    assert named(report.findings) == {(2, "unitCode"), (3, "quota"), (4, "maxRank"), (5, "quota"), (6, "type")}
    assert "below its 2 definitive holder(s) on 2026-11-28" in finding(report.findings, 3, "quota").message
    assert "is not a unit" in finding(report.findings, 2, "unitCode").message
    assert await counts(db) == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
async def test_assignments_must_fit_the_registry_and_each_other(
    db: Database, office: dict[str, Any], tmp_path: Path, suffix: str
) -> None:
    rows = [
        {"nip": office["budi"], "positionCode": office["head"], "startDate": "2019-01-01", "endDate": "2021-12-31"},
        {"nip": office["budi"], "positionCode": office["staff"], "startDate": "2021-06-01"},  # overlaps row 2
        {"nip": office["budi"], "positionCode": "NO-SUCH-POST", "startDate": "2024-01-01"},
        {"nip": office["ani"], "positionCode": office["head"], "startDate": "2024-02-30"},
        {"nip": "198501172008031001", "positionCode": office["staff"], "startDate": "2024-01-01"},  # not registered
        {"nip": office["budi"], "positionCode": office["head"], "startDate": "2008-01-01", "endDate": "2008-06-30"},
    ]
    before = await counts(db)
    report = await run_import(db, "assignments", sheet(tmp_path, "assignments", rows, suffix))
    assert named(report.findings) == {
        (3, "startDate"),
        (4, "positionCode"),
        (5, "startDate"),
        (6, "nip"),
        (7, "startDate"),
    }
    assert "overlap" in finding(report.findings, 3, "startDate").message
    assert "before the first appointment 2009-01" in finding(report.findings, 7, "startDate").message
    assert await counts(db) == before


async def test_no_post_gets_more_definitive_holders_than_its_seats(
    db: Database, office: dict[str, Any], tmp_path: Path
) -> None:
    async with db.write() as s:
        carla = await f.employee(s, "Carla", birth=D(1990, 3, 3), appointed=(2015, 1), gender="F")
        dedi = await f.employee(s, "Dedi", birth=D(1991, 3, 3), appointed=(2015, 1))
    rows = [
        {"nip": office["budi"], "positionCode": office["staff"], "startDate": "2022-01-01"},  # 2 of 2 seats
        {"nip": carla.nip, "positionCode": office["staff"], "startDate": "2023-01-01"},  # a third holder
        {"nip": dedi.nip, "positionCode": office["head"], "startDate": "2023-01-01", "endDate": "2023-12-31"},
        {"nip": carla.nip, "positionCode": office["head"], "startDate": "2022-01-01", "endDate": "2022-12-31"},
    ]
    report = await run_import(db, "assignments", sheet(tmp_path, "assignments", rows))
    assert named(report.findings) == {(3, "positionCode")}
    assert "3 definitive holders on 2023-01-01" in finding(report.findings, 3, "positionCode").message
    good = await run_import(db, "assignments", sheet(tmp_path, "assignments", [rows[0], rows[2], rows[3]]))
    assert good.written and good.counts == {"created": 3}
    async with db.read() as s:
        assert len((await s.execute(select(Assignment))).scalars().all()) == 4


async def test_evaluations_never_overwrite_a_final_predicate_and_name_bad_values(
    db: Database, office: dict[str, Any], tmp_path: Path
) -> None:
    async with db.write() as s:
        await f.evaluations(s, office["ani_row"], {2024: "Baik"})
    rows = [
        {"nip": office["ani"], "year": "2025", "predicate": "Sangat Baik"},  # fine
        {"nip": office["ani"], "year": "2024", "predicate": "Sangat Kurang"},  # final already
        {"nip": office["ani"], "year": "2025", "predicate": "Baik"},  # twice in the file
        {"nip": office["budi"], "year": "2026", "predicate": "Baik"},  # not finished
        {"nip": office["budi"], "year": "2024", "predicate": "Good"},
    ]
    report = await run_import(db, "evaluations", sheet(tmp_path, "evaluations", rows))
    assert named(report.findings) == {(3, "year"), (4, "year"), (5, "year"), (6, "predicate")}
    assert "already has the final predicate Baik" in finding(report.findings, 3, "year").message
    async with db.read() as s:
        assert (await s.execute(select(EvaluationResult.predicate))).scalars().all() == ["Baik"]


async def test_a_row_with_an_empty_required_cell_still_has_its_other_values_checked(
    db: Database, office: dict[str, Any], tmp_path: Path
) -> None:
    rows = [{"title": "T", "type": "BOSS", "unitCode": office["unit"], "quota": "1"}]
    report = await run_import(db, "positions", sheet(tmp_path, "positions", rows))
    assert named(report.findings) == {(2, "code"), (2, "type")}
    assert finding(report.findings, 2, "code").message == "code is required"
