"""Small builders for units, positions, people and grants; each flushes so ids are known at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Grant, Viewer
from server.models import Assignment, Employee, Position, RoleGrant, Unit, User

LONG_AGO = dt.date(2000, 1, 1)


async def unit(s: AsyncSession, code: str, parent: Unit | None = None, kind: str = "dinas") -> Unit:
    u = Unit(code=code, name=f"Unit {code}", kind=kind, parent_id=parent.id if parent else None, path="/")
    s.add(u)
    await s.flush()
    u.path = f"{parent.path if parent else '/'}{u.id}/"
    u.depth = parent.depth + 1 if parent else 0
    await s.flush()
    return u


async def position(
    s: AsyncSession,
    code: str,
    in_unit: Unit,
    parent: Position | None = None,
    *,
    managerial: bool = False,
    type: str = "PELAKSANA",
    quota: int = 1,
) -> Position:
    p = Position(
        code=code,
        title=f"Position {code}",
        type=type,
        unit_id=in_unit.id,
        parent_position_id=parent.id if parent else None,
        managerial=managerial,
        quota=quota,
        competencies=[],
    )
    s.add(p)
    await s.flush()
    return p


async def employee(s: AsyncSession, n: int, name: str | None = None) -> Employee:
    e = Employee(
        nip=f"19800101200501{1}{n:03d}",
        name=name or f"Pegawai {n}",
        birth_date=dt.date(1980, 1, 1),
        gender="M",
        employment_type="PNS",
        education="S1",
        rank_code="III/a",
    )
    s.add(e)
    await s.flush()
    return e


async def assign(
    s: AsyncSession,
    who: Employee,
    to: Position,
    start: dt.date = LONG_AGO,
    end: dt.date | None = None,
    kind: str = "definitive",
) -> Assignment:
    a = Assignment(
        employee_id=who.id, position_id=to.id, start_date=start, end_date=end, kind=kind, managerial=to.managerial
    )
    s.add(a)
    await s.flush()
    return a


async def user(s: AsyncSession, user_id: str, who: Employee | None = None) -> User:
    u = User(id=user_id, name=who.name if who else user_id, employee_id=who.id if who else None)
    s.add(u)
    await s.flush()
    return u


async def grant(
    s: AsyncSession,
    user_id: str,
    role: str,
    in_unit: Unit | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> RoleGrant:
    g = RoleGrant(
        user_id=user_id, role=role, unit_id=in_unit.id if in_unit else None, valid_from=valid_from, valid_to=valid_to
    )
    s.add(g)
    await s.flush()
    return g


def viewer(role: str, in_unit: Unit | None = None, employee_id: int | None = None, user_id: str = "v") -> Viewer:
    """A viewer holding one role, without touching the database."""
    g = Grant(
        role, in_unit.id if in_unit else None, in_unit.code if in_unit else None, in_unit.path if in_unit else None
    )
    return Viewer(user_id=user_id, employee_id=employee_id, grants=(g,))
