"""Builders for registry rows shared by every test package: each adds its rows, flushes and returns them.

Defaults describe an ordinary civil servant: born 1985-05-17, PNS, S1, rank III/b since 2020-04-01 with the
service exam passed, appointed at 23. An assignment with no start date began long ago (2000-01-01). A grant does
not create its user; call ``user`` first when the test needs the row.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import nip as nips
from server.domain.positions import is_managerial
from server.models import (
    Assessment,
    Assignment,
    DisciplinarySanction,
    Employee,
    EvaluationResult,
    FamilyRelation,
    Position,
    RoleGrant,
    Unit,
    UnitPerformance,
    User,
)

LONG_AGO = dt.date(2000, 1, 1)

_sequence = itertools.count(1)


async def unit(
    s: AsyncSession, code: str, parent: Unit | None = None, *, kind: str = "dinas", name: str | None = None
) -> Unit:
    row = Unit(
        code=code,
        name=name or f"Unit {code}",
        kind=kind,
        parent_id=parent.id if parent else None,
        path="/",
        depth=parent.depth + 1 if parent else 0,
    )
    s.add(row)
    await s.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    await s.flush()
    return row


async def position(
    s: AsyncSession,
    code: str,
    in_unit: Unit,
    *,
    type: str = "PELAKSANA",
    quota: int = 1,
    parent: Position | None = None,
    min_rank: str | None = None,
    max_rank: str | None = None,
    job_class: int | None = None,
) -> Position:
    row = Position(
        code=code,
        title=f"Position {code}",
        type=type,
        unit_id=in_unit.id,
        parent_position_id=parent.id if parent else None,
        managerial=is_managerial(type),
        quota=quota,
        min_rank=min_rank,
        max_rank=max_rank,
        job_class=job_class,
        competencies=[],
    )
    s.add(row)
    await s.flush()
    return row


async def employee(
    s: AsyncSession,
    name: str | None = None,
    *,
    nip: str | None = None,
    birth: dt.date = dt.date(1985, 5, 17),
    appointed: tuple[int, int] | None = None,
    gender: str = "M",
    employment_type: str = "PNS",
    education: str = "S1",
    rank: str | None = "III/b",
    rank_since: dt.date | None = dt.date(2020, 4, 1),
    service_exam: bool = True,
) -> Employee:
    """``nip`` defaults to a valid one from ``birth``, ``appointed`` (default: March of the 23rd year) and a counter."""
    n = next(_sequence)
    row = Employee(
        nip=nip or nips.make(birth, appointed or (birth.year + 23, 3), gender, n % 999 + 1),
        name=name or f"Pegawai {n}",
        birth_date=birth,
        gender=gender,
        employment_type=employment_type,
        education=education,
        rank_code=rank,
        rank_since=rank_since,
        has_service_exam=service_exam,
    )
    s.add(row)
    await s.flush()
    return row


async def assign(
    s: AsyncSession,
    who: Employee,
    to: Position,
    start: dt.date = LONG_AGO,
    end: dt.date | None = None,
    *,
    kind: str = "definitive",
) -> Assignment:
    row = Assignment(
        employee_id=who.id, position_id=to.id, start_date=start, end_date=end, kind=kind, managerial=to.managerial
    )
    s.add(row)
    await s.flush()
    return row


async def user(s: AsyncSession, user_id: str, who: Employee | None = None, *, name: str | None = None) -> User:
    """A login; ``name`` defaults to the employee's name, else to ``user_id``."""
    row = User(id=user_id, name=name or (who.name if who else user_id), employee_id=who.id if who else None)
    s.add(row)
    await s.flush()
    return row


async def grant(s: AsyncSession, user_id: str, role: str, in_unit: Unit | None = None) -> RoleGrant:
    row = RoleGrant(user_id=user_id, role=role, unit_id=in_unit.id if in_unit else None)
    s.add(row)
    await s.flush()
    return row


async def evaluations(s: AsyncSession, who: Employee, results: dict[int, str]) -> list[EvaluationResult]:
    """One yearly evaluation per ``{year: predicate}`` entry."""
    rows = [EvaluationResult(employee_id=who.id, year=y, predicate=p) for y, p in results.items()]
    s.add_all(rows)
    await s.flush()
    return rows


async def unit_performance(s: AsyncSession, of: Unit, year: int, predicate: str) -> UnitPerformance:
    """The unit's own predicate for ``year`` (Istimewa, Baik, ...): it caps its staff's predicates."""
    row = UnitPerformance(unit_id=of.id, year=year, predicate=predicate)
    s.add(row)
    await s.flush()
    return row


async def family_tie(s: AsyncSession, who: Employee, relative: Employee, kind: str = "spouse") -> FamilyRelation:
    """``who`` declared ``relative`` as their ``kind`` (read both ways by the conflict-of-interest check)."""
    row = FamilyRelation(employee_id=who.id, relative_id=relative.id, kind=kind, declared_on=dt.date(2020, 1, 1))
    s.add(row)
    await s.flush()
    return row


async def sanction(
    s: AsyncSession, who: Employee, severity: str, start: dt.date, end: dt.date | None = None
) -> DisciplinarySanction:
    row = DisciplinarySanction(employee_id=who.id, severity=severity, start_date=start, end_date=end, decree_no="SK-1")
    s.add(row)
    await s.flush()
    return row


async def set_rank(s: AsyncSession, who: Employee, rank: str, since: dt.date) -> None:
    """A rank change: ``who`` holds ``rank`` from ``since``."""
    await s.execute(update(Employee).where(Employee.id == who.id).values(rank_code=rank, rank_since=since))


async def assessment(s: AsyncSession, who: Employee, on: dt.date, potential_class: str, score: int = 85) -> Assessment:
    """An assessment centre's result for ``who`` on ``on``: the talent pool's potential axis."""
    row = Assessment(
        employee_id=who.id, assessed_on=on, potential_score=score, potential_class=potential_class, report_no="AC-T"
    )
    s.add(row)
    await s.flush()
    return row
