"""Small builders for registry data: each returns the ORM row, flushed, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import nip as nips
from server.domain.positions import is_managerial
from server.models import Assignment, Employee, EvaluationResult, Position, RoleGrant, Unit, User

_seq = itertools.count(1)


async def unit(s: AsyncSession, code: str, parent: Unit | None = None, *, name: str | None = None) -> Unit:
    row = Unit(
        code=code,
        name=name or f"Unit {code}",
        kind="dinas",
        parent_id=parent.id if parent else None,
        path="",
        depth=(parent.depth + 1) if parent else 0,
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
    title: str | None = None,
) -> Position:
    row = Position(
        code=code,
        title=title or f"Position {code}",
        type=type,
        unit_id=in_unit.id,
        quota=quota,
        managerial=is_managerial(type),
        parent_position_id=parent.id if parent else None,
        competencies=[],
    )
    s.add(row)
    await s.flush()
    return row


async def employee(
    s: AsyncSession,
    name: str | None = None,
    *,
    birth: dt.date = dt.date(1985, 3, 14),
    gender: str = "M",
    rank: str | None = "III/a",
    education: str = "S1",
    rank_since: dt.date | None = dt.date(2018, 4, 1),
    appointed: tuple[int, int] = (2010, 3),
) -> Employee:
    n = next(_seq)
    row = Employee(
        nip=nips.make(birth, appointed, gender, n % 999 + 1),
        name=name or f"Pegawai {n}",
        birth_date=birth,
        gender=gender,
        employment_type="PNS" if rank else "PPPK",
        education=education,
        rank_code=rank,
        rank_since=rank_since if rank else None,
    )
    s.add(row)
    await s.flush()
    return row


async def assign(
    s: AsyncSession,
    who: Employee,
    where: Position,
    start: dt.date,
    end: dt.date | None = None,
    *,
    kind: str = "definitive",
) -> Assignment:
    row = Assignment(
        employee_id=who.id, position_id=where.id, start_date=start, end_date=end, kind=kind, managerial=where.managerial
    )
    s.add(row)
    await s.flush()
    return row


async def grant(
    s: AsyncSession,
    user_id: str,
    role: str,
    in_unit: Unit | None = None,
    *,
    name: str | None = None,
    employee_row: Employee | None = None,
) -> RoleGrant:
    if await s.get(User, user_id) is None:
        s.add(User(id=user_id, name=name or user_id, employee_id=employee_row.id if employee_row else None))
    row = RoleGrant(user_id=user_id, role=role, unit_id=in_unit.id if in_unit else None)
    s.add(row)
    await s.flush()
    return row


async def evaluation(s: AsyncSession, who: Employee, year: int, predicate: str = "Baik") -> EvaluationResult:
    row = EvaluationResult(employee_id=who.id, year=year, predicate=predicate)
    s.add(row)
    await s.flush()
    return row
