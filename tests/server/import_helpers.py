"""Building import files and reading what an import did: shared by the tests/server/test_import_*.py files."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from server.audit.verify import verify
from server.db import Database
from server.domain import nip as nips
from server.models import AuditEvent, Base
from server.registry.columns import COLUMNS, Finding
from server.registry.importing import ImportReport, import_file

TODAY = dt.date(2026, 11, 28)
TABLES = ("units", "positions", "employees", "rank_history", "assignments", "evaluation_results", "audit_events")


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """As a person would type it: a cell starting with ``=`` becomes a formula, dates become date cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([dt.date.fromisoformat(v) if _iso(v) else v for v in row])
    book.save(path)
    return path


def _iso(value: Any) -> bool:
    try:
        dt.date.fromisoformat(value)
        return isinstance(value, str) and len(value) == 10
    except (TypeError, ValueError):
        return False


def employee_row(**overrides: Any) -> dict[str, Any]:
    """An ordinary PNS as a file row: born 1990-05-17, appointed March 2014, III/b since April 2020."""
    birth = dt.date.fromisoformat(overrides.get("birthDate", "1990-05-17"))
    gender = overrides.get("gender", "F")
    row = {
        "nip": nips.make(birth, (2014, 3), gender, overrides.pop("sequence", 1)),
        "name": "Siti Rahma",
        "birthDate": birth.isoformat(),
        "gender": gender,
        "employmentType": "PNS",
        "education": "S1",
        "rankCode": "III/b",
        "rankSince": "2020-04-01",
        "status": "active",
        "hasServiceExam": "true",
    }
    row.update(overrides)
    return row


def employees_file(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    header = [c.name for c in COLUMNS["employees"]]
    writer = write_xlsx if path.suffix == ".xlsx" else write_csv
    return writer(path, header, [[r.get(c) for c in header] for r in rows])


async def run_import(db: Database, kind: str, path: Path, *, dry_run: bool = False) -> ImportReport:
    return await import_file(db, kind, path, today=TODAY, actor="cli:tester", dry_run=dry_run)


async def counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            name: int(
                (await session.execute(select(func.count()).select_from(Base.metadata.tables[name]))).scalar_one()
            )
            for name in TABLES
        }


async def import_events(db: Database) -> list[AuditEvent]:
    async with db.read() as session:
        rows = await session.execute(select(AuditEvent).where(AuditEvent.action == "registry.imported"))
        return list(rows.scalars())


async def chain_holds(db: Database) -> bool:
    return (await verify(db, workers=1)).ok


def named(findings: Sequence[Finding]) -> set[tuple[int, str]]:
    return {(f.row, f.column) for f in findings}


def finding(findings: Sequence[Finding], row: int, column: str) -> Finding:
    matches = [f for f in findings if (f.row, f.column) == (row, column)]
    assert matches, f"no finding at row {row}, column {column}: {findings}"
    return matches[0]
