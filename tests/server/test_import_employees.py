"""``asnflow import employees``: every bad value named by row and column, nothing written on any error,
otherwise every row in one transaction with one audit event for the batch."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import Database
from server.domain import nip as nips
from server.models import Employee, RankHistory
from tests import factories as f
from tests.server.import_helpers import (
    chain_holds,
    counts,
    employee_row,
    employees_file,
    finding,
    import_events,
    named,
    run_import,
)


@pytest.fixture(params=[".csv", ".xlsx"])
def suffix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_good_file_is_imported_in_one_transaction_with_one_audit_event(
    db: Database, tmp_path: Path, suffix: str
) -> None:
    rows = [employee_row(sequence=n, name=f"Pegawai {n}") for n in range(1, 6)]
    rows.append(employee_row(sequence=9, employmentType="PPPK", rankCode=None, rankSince=None))
    report = await run_import(db, "employees", employees_file(tmp_path / f"people{suffix}", rows))
    assert report.ok and report.written and report.counts == {"created": 6}
    async with db.read() as s:
        stored = {e.nip: e for e in (await s.execute(select(Employee))).scalars()}
        ranks = (await s.execute(select(RankHistory))).scalars().all()
    assert set(stored) == {r["nip"] for r in rows}
    assert stored[rows[0]["nip"]].rank_since.isoformat() == "2020-04-01" and stored[rows[0]["nip"]].has_service_exam
    assert len(ranks) == 5, "the current rank of each PNS starts their rank history, as registerEmployee does"
    [event] = await import_events(db)
    assert event.actor == "cli:tester" and event.entity_id == "employees"
    assert event.after == {
        "kind": "employees",
        "file": f"people{suffix}",
        "rows": 6,
        "created": 6,
        "sha256": report.sha256,
        "fileSha256": hashlib.sha256((tmp_path / f"people{suffix}").read_bytes()).hexdigest(),
    }
    assert await chain_holds(db)


async def test_the_same_records_hash_alike_in_csv_and_xlsx(db: Database, tmp_path: Path) -> None:
    rows = [employee_row(sequence=n) for n in range(1, 4)]
    as_csv = await run_import(db, "employees", employees_file(tmp_path / "a.csv", rows), dry_run=True)
    as_xlsx = await run_import(db, "employees", employees_file(tmp_path / "a.xlsx", rows), dry_run=True)
    assert as_csv.sha256 == as_xlsx.sha256 and len(as_csv.sha256) == len(hashlib.sha256().hexdigest())


async def test_every_bad_value_is_named_with_its_row_and_column_and_nothing_is_written(
    db: Database, tmp_path: Path, suffix: str
) -> None:
    good = employee_row(sequence=1)
    control = "\x00" if suffix == ".csv" else "\n"  # a worksheet cannot hold a NUL; a line break it can
    rows = [
        good,
        employee_row(sequence=2, birthDate="1990-05-18", nip=employee_row(sequence=2)["nip"]),  # row 3
        employee_row(sequence=3, rankSince="2024-02-30"),  # row 4
        employee_row(sequence=4, name=f"Budi{control}Santoso"),  # row 5
        employee_row(sequence=5, name="B" * 201),  # row 6
        employee_row(sequence=6, gender="X"),  # row 7
        employee_row(sequence=7, education="PhD", rankCode="V/a"),  # row 8
        employee_row(sequence=8, status="on leave"),  # row 9
        employee_row(sequence=10) | {"birthDate": "1990-02-30", "gender": "X"},  # row 10: two bad values, both named
    ]
    before = await counts(db)
    report = await run_import(db, "employees", employees_file(tmp_path / f"bad{suffix}", rows))
    assert not report.ok and not report.written
    assert named(report.findings) >= {
        (3, "nip"),
        (4, "rankSince"),
        (5, "name"),
        (6, "name"),
        (7, "gender"),
        (8, "education"),
        (8, "rankCode"),
        (9, "status"),
        (10, "birthDate"),
        (10, "gender"),
    }
    assert 2 not in {f.row for f in report.findings}, "the good row has no finding"
    assert "the record says 1990-05-18" in finding(report.findings, 3, "nip").message
    date = finding(report.findings, 4, "rankSince")
    assert date.value == "2024-02-30" and "is not a date" in date.message
    assert f"U+{ord(control):04X}" in finding(report.findings, 5, "name").message
    assert "at most 200" in finding(report.findings, 6, "name").message
    assert await counts(db) == before, "nothing written, not even the good row"


async def test_one_bad_row_deep_in_the_file_stops_the_whole_file(db: Database, tmp_path: Path) -> None:
    rows = [employee_row(sequence=n % 999 + 1, birthDate=f"19{70 + n // 999}-05-17") for n in range(1, 400)]
    rows.append(employee_row(sequence=1, birthDate="1990-06-01", rankSince="2019-13-01"))
    before = await counts(db)
    report = await run_import(db, "employees", employees_file(tmp_path / "big.csv", rows))
    assert [(f.row, f.column) for f in report.findings] == [(401, "rankSince")]
    assert await counts(db) == before


async def test_a_dry_run_checks_everything_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    before = await counts(db)
    good = await run_import(db, "employees", employees_file(tmp_path / "ok.csv", [employee_row()]), dry_run=True)
    bad = await run_import(
        db,
        "employees",
        employees_file(tmp_path / "bad.csv", [employee_row(gender="M", nip=employee_row()["nip"])]),
        dry_run=True,
    )
    assert good.ok and not good.written
    assert named(bad.findings) == {(2, "nip")}
    assert await counts(db) == before


async def test_a_nip_twice_in_the_file_or_already_registered_is_refused(db: Database, tmp_path: Path) -> None:
    taken = employee_row(sequence=7)
    async with db.write() as s:
        await f.employee(s, nip=taken["nip"], birth=dt.date(1990, 5, 17), gender="F")
    rows = [employee_row(sequence=1), employee_row(sequence=1, name="Someone Else"), taken]
    report = await run_import(db, "employees", employees_file(tmp_path / "dup.csv", rows))
    assert "appears already in row 2" in finding(report.findings, 3, "nip").message
    assert "already registered" in finding(report.findings, 4, "nip").message
    assert named(report.findings) == {(3, "nip"), (4, "nip")}


async def test_formula_like_text_is_imported_as_text_never_evaluated(db: Database, tmp_path: Path, suffix: str) -> None:
    formula = "=cmd|' /C calc'!A0"
    report = await run_import(db, "employees", employees_file(tmp_path / f"f{suffix}", [employee_row(name=formula)]))
    assert report.written
    async with db.read() as s:
        assert (await s.execute(select(Employee.name))).scalar_one() == formula


async def test_an_appointment_in_the_future_or_before_18_and_a_rank_before_it_are_refused(
    db: Database, tmp_path: Path
) -> None:
    """The same plausibility rule as registerEmployee (identity.first_appointment)."""
    future = nips.make(dt.date(1990, 5, 17), (2027, 1), "F", 1)
    young = nips.make(dt.date(1990, 5, 17), (2008, 4), "F", 2)
    rows = [
        employee_row(nip=future),
        employee_row(nip=young, rankSince="2012-04-01"),
        employee_row(sequence=3, rankSince="2013-04-01"),  # appointed March 2014
    ]
    report = await run_import(db, "employees", employees_file(tmp_path / "p.csv", rows))
    assert "after today (2026-11-28)" in finding(report.findings, 2, "nip").message
    assert "less than 18 years after the birth date" in finding(report.findings, 3, "nip").message
    assert "before the first appointment 2014-03" in finding(report.findings, 4, "rankSince").message


async def test_a_file_without_a_required_column_or_with_an_unknown_one_is_refused_at_the_header(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "h.csv"
    path.write_text("nip,name,birthdate,gender,employmentType,education\n")
    report = await run_import(db, "employees", path)
    assert named(report.findings) == {(1, "birthdate"), (1, "birthDate")}
