"""``asnflow export``: the registry in the import's own columns (registry.columns), so a file exported from
one database imports into another and gives the same registry back.

Rows come in an order the import accepts and that is stable between databases: units parents first
(by depth, then code), everything else by its natural key, never by database id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.orm import aliased

from server.db import Database
from server.models import Assignment, Employee, EvaluationResult, Position, Unit
from server.registry.columns import COLUMNS
from server.registry.formats import check_suffix, write_sheet

EXPORT_KINDS = ("units", "positions", "employees", "assignments", "evaluations")


def _units() -> Executable:
    parent = aliased(Unit)
    return (
        select(Unit.code, Unit.name, Unit.kind, parent.code)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .order_by(Unit.depth, Unit.code)
    )


def _positions() -> Executable:
    parent = aliased(Position)
    return (
        select(
            Position.code,
            Position.title,
            Position.type,
            Unit.code,
            Position.quota,
            Position.job_class,
            Position.min_education,
            Position.min_rank,
            Position.max_rank,
            parent.code,
            Position.competencies,
        )
        .join(Unit, Unit.id == Position.unit_id)
        .outerjoin(parent, parent.id == Position.parent_position_id)
        .order_by(Position.code)
    )


def _employees() -> Executable:
    return select(
        Employee.nip,
        Employee.name,
        Employee.birth_date,
        Employee.gender,
        Employee.employment_type,
        Employee.education,
        Employee.rank_code,
        Employee.rank_since,
        Employee.status,
        Employee.has_service_exam,
    ).order_by(Employee.nip)


def _assignments() -> Executable:
    return (
        select(
            Employee.nip,
            Position.code,
            Assignment.start_date,
            Assignment.end_date,
            Assignment.kind,
            Assignment.decree_no,
        )
        .join(Employee, Employee.id == Assignment.employee_id)
        .join(Position, Position.id == Assignment.position_id)
        .order_by(Employee.nip, Assignment.start_date, Position.code, Assignment.kind)
    )


def _evaluations() -> Executable:
    return (
        select(Employee.nip, EvaluationResult.year, EvaluationResult.predicate)
        .join(Employee, Employee.id == EvaluationResult.employee_id)
        .order_by(Employee.nip, EvaluationResult.year)
    )


_QUERIES = {
    "units": _units,
    "positions": _positions,
    "employees": _employees,
    "assignments": _assignments,
    "evaluations": _evaluations,
}


def cell(value: object) -> str | None:
    """A value as the import reads it back."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or None
    return str(value)


async def export_file(db: Database, kind: str, path: Path) -> int:
    """Write every ``kind`` record to ``path`` (CSV or XLSX by extension); how many rows were written."""
    check_suffix(path)
    async with db.read() as session:
        rows = (await session.execute(_QUERIES[kind]())).all()
    columns = [c.name for c in COLUMNS[kind]]
    return write_sheet(path, columns, _cells(rows))


def _cells(rows: Sequence[tuple[Any, ...]]) -> Iterator[list[str | None]]:
    for row in rows:
        yield [cell(v) for v in row]
