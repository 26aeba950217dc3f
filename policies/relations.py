"""Relations to an employee on a date, from the position tree: self, direct supervisor, superior.

Never stored: the direct supervisor is whoever definitively holds, on that date, the nearest managerial
position above the employee's definitive position (walking further up past vacant ones); the superior
is found the same way from the supervisor's position. Three statements whatever the tree's depth:
the employee's position, its ancestors (one recursive query), and their holders on the date.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Assignment, Position


def _in_force(on: dt.date) -> ColumnElement[bool]:
    return and_(
        Assignment.kind == "definitive",
        Assignment.start_date <= on,
        or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
    )


async def supervisors_of(session: AsyncSession, employee_id: int, on: dt.date) -> tuple[int | None, int | None]:
    """Employee ids of the direct supervisor and of the supervisor's superior on ``on`` (None: nobody)."""
    position_id = (
        await session.execute(
            select(Assignment.position_id)
            .where(Assignment.employee_id == employee_id, _in_force(on))
            .order_by(Assignment.start_date.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if position_id is None:
        return None, None
    chain = (
        select(Position.parent_position_id.label("id"), literal(1).label("level"))
        .where(Position.id == position_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(Position.parent_position_id, chain.c.level + 1).where(Position.id == chain.c.id, chain.c.level < 64)
    )
    ancestors = (
        await session.execute(
            select(chain.c.id, chain.c.level, Position.managerial)
            .join(Position, Position.id == chain.c.id)
            .order_by(chain.c.level)
        )
    ).all()
    managerial = [row.id for row in ancestors if row.managerial]
    if not managerial:
        return None, None
    holders: dict[int, int] = {}
    rows = await session.execute(
        select(Assignment.position_id, Assignment.employee_id)
        .where(Assignment.position_id.in_(managerial), _in_force(on))
        .order_by(Assignment.start_date)
    )
    for row in rows:
        holders[row.position_id] = row.employee_id
    found: list[int] = []
    for pid in managerial:
        holder = holders.get(pid)
        if holder is not None and holder != employee_id and holder not in found:
            found.append(holder)
            if len(found) == 2:
                break
    return (found[0] if found else None), (found[1] if len(found) > 1 else None)


async def relations_to(session: AsyncSession, viewer: Viewer, subject_employee_id: int, on: dt.date) -> frozenset[str]:
    """How ``viewer`` stands to the employee ``subject_employee_id`` on ``on``: self, supervisor, superior."""
    if viewer.employee_id is None:
        return frozenset()
    if viewer.employee_id == subject_employee_id:
        return frozenset({"self"})
    supervisor, superior = await supervisors_of(session, subject_employee_id, on)
    found: set[str] = set()
    if supervisor == viewer.employee_id:
        found.add("supervisor")
    if superior == viewer.employee_id:
        found.add("superior")
    return frozenset(found)
