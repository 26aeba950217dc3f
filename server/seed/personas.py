"""Reading the demo personas back: ``asnflow personas`` and tests find who to act as.

Handles (server.seed.handles) name seats, so they are resolved against the database as it is now:
the current definitive holder of the named post. ``personas`` answers in the shape API.md fixes for
``asnflow personas --json``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.models import Assignment, Employee, Position, RoleGrant, Unit, User
from server.seed.handles import HEAD, PERSONAS


async def persona_user_ids(db: Database) -> dict[str, str]:
    """Persona key (``"employee"``, ``"unit_head"``, ...) -> user id, for every handle that resolves."""
    async with db.read() as session:
        return await _resolve(session)


async def personas(db: Database) -> list[dict[str, Any]]:
    """``[{"userId", "name", "nip", "roles": [{"role", "unitCode"}]}]`` in handle order, one entry per user."""
    async with db.read() as session:
        user_ids = list(dict.fromkeys((await _resolve(session)).values()))
        users = (
            await session.execute(
                select(User.id, User.name, Employee.nip)
                .outerjoin(Employee, Employee.id == User.employee_id)
                .where(User.id.in_(user_ids))
            )
        ).all()
        grants = (
            await session.execute(
                select(RoleGrant.user_id, RoleGrant.role, Unit.code)
                .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
                .where(RoleGrant.user_id.in_(user_ids), RoleGrant.revoked_at.is_(None))
                .order_by(RoleGrant.id)
            )
        ).all()
    roles: dict[str, list[dict[str, str | None]]] = {uid: [] for uid in user_ids}
    for g in grants:
        roles[g.user_id].append({"role": g.role, "unitCode": g.code})
    by_id = {u.id: u for u in users}
    result: list[dict[str, Any]] = []
    for uid in user_ids:
        user = by_id[uid]
        own = sorted(roles[uid], key=lambda r: (r["role"] or "", r["unitCode"] or ""))  # NULLs sort alike everywhere
        if user.nip is not None and not any(r["role"] == "employee" for r in own):
            own.insert(0, {"role": "employee", "unitCode": None})  # every civil servant is an employee
        result.append({"userId": uid, "name": user.name, "nip": user.nip, "roles": own})
    return result


async def _resolve(session: AsyncSession) -> dict[str, str]:
    """One query for the current holders of every post a handle names, then the choice in Python."""
    units = sorted({p.seat_unit for p in PERSONAS if p.seat_unit})
    holders = (
        await session.execute(
            select(Unit.code, Position.type, Position.managerial, Employee.id, Employee.nip)
            .join(Position, Position.unit_id == Unit.id)
            .join(Assignment, Assignment.position_id == Position.id)
            .join(Employee, Employee.id == Assignment.employee_id)
            .where(Unit.code.in_(units), Assignment.kind == "definitive", Assignment.end_date.is_(None))
            .order_by(Employee.id)
        )
    ).all()
    found: dict[str, str] = {}
    for handle in PERSONAS:
        if handle.user_id:
            found[handle.key] = handle.user_id
            continue
        for row in holders:
            in_seat = row.managerial if handle.seat == HEAD else (row.type == handle.seat and not row.managerial)
            if row.code == handle.seat_unit and in_seat:
                found[handle.key] = row.nip
                break
    return found
