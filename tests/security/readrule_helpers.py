"""Data set-ups and queries shared by the read-rule attacks (person file vs card, requests).

``outsider`` finds an ordinary civil servant whose post today is in a given unit; ``former_holder`` someone
who held a post on a past day and sits elsewhere today; ``add_future_holding`` moves someone to a post
from a future day (a future holder).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from server.db import Database
from server.models import Assignment, Employee, Position, Unit
from server.registry.queries import held_on, positions_by_id, posts_on, units_by_id
from tests.api.helpers import DemoApi, employee_id

FILE_FIELDS = "birthDate gender employmentType education status rankSince trainingHours(year: 2025)"
FILE_LISTS = "assignments { startDate position { code } } evaluations { year predicate } rankHistory { tmt }"
CARD_VIEW = f"nip name access rank {{ code }} rankSince {FILE_LISTS}"


async def outsider(db: Database, unit_code: str, *, besides: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """The NIP of a staff member (not a head) whose definitive post today is in ``unit_code``."""
    async with db.read() as s:
        rows = (
            await s.execute(
                select(Employee.nip)
                .join(Assignment, Assignment.employee_id == Employee.id)
                .join(Position, Position.id == Assignment.position_id)
                .join(Unit, Unit.id == Position.unit_id)
                .where(
                    Unit.code == unit_code,
                    Assignment.kind == "definitive",
                    Assignment.end_date.is_(None),
                    Position.managerial.is_(False),
                )
                .order_by(Employee.nip)
            )
        ).scalars()
        return next(n for n in rows if n not in besides)


async def former_holder(db: Database, position_code: str, on: dt.date, today: dt.date, *, not_under: str) -> str:
    """The NIP of someone who held ``position_code`` on ``on`` and whose post ``today`` is outside ``not_under``."""
    async with db.read() as s:
        held = (
            await s.execute(
                select(Employee.id, Employee.nip)
                .join(Assignment, Assignment.employee_id == Employee.id)
                .join(Position, Position.id == Assignment.position_id)
                .where(Position.code == position_code, Assignment.kind == "definitive", held_on(on))
                .order_by(Employee.nip)
            )
        ).all()
        root = (await s.execute(select(Unit.path).where(Unit.code == not_under))).scalar_one()
        posts = await posts_on(s, [h.id for h in held], today)
        units = await positions_by_id(s, posts.values())
        paths = await units_by_id(s, [p.unit_id for p in units.values()])
    for h in held:
        post = posts.get(h.id)
        if post is not None and not paths[units[post].unit_id].path.startswith(root):
            return str(h.nip)
    raise AssertionError(f"nobody who held {position_code} on {on} sits outside {not_under} today")


async def add_future_holding(db: Database, nip: str, position_code: str, start: dt.date) -> None:
    """``nip`` leaves their current post the day before ``start`` and holds ``position_code`` from ``start``."""
    who = await employee_id(db, nip)
    async with db.write() as s:
        await s.execute(
            update(Assignment)
            .where(Assignment.employee_id == who, Assignment.kind == "definitive", Assignment.end_date.is_(None))
            .values(end_date=start - dt.timedelta(days=1))
        )
        position = (await s.execute(select(Position).where(Position.code == position_code))).scalar_one()
        s.add(
            Assignment(
                employee_id=who,
                position_id=position.id,
                start_date=start,
                end_date=None,
                managerial=position.managerial,
            )
        )


async def answer(api: DemoApi, persona: str | None, query: str, **variables: Any) -> dict[str, Any]:
    """The whole GraphQL response (data and errors) as ``persona`` (None: anonymous)."""
    response = await api.post(query, variables, as_user=api.uid(persona) if persona else None)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert all(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in body.get("errors") or []), body
    return body


def forbidden_fields(body: dict[str, Any]) -> set[str]:
    """The file fields the response refused, by name (the last element of each error's path)."""
    return {str(e["path"][-1]) for e in body.get("errors") or [] if e.get("extensions", {}).get("code") == "FORBIDDEN"}
