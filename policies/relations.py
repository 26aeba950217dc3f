"""Relations to an employee on a date, from the position tree: self, direct supervisor, superior.

Never stored: the direct supervisor is whoever definitively holds, on that date, the nearest managerial
position above the employee's definitive position (walking further up past vacant ones); the superior
is found the same way from the supervisor's position. Three statements whatever the tree's depth:
the employee's position, its ancestors (one recursive query), and their holders on the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Date, and_, bindparam, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import BindParameter

from policies.viewer import Viewer
from server.models import Assignment, Position

# How a relation to the employee concerned is said in every message and generated document (decisions,
# refusals, docs/workflows.md); "proposer" is the workflows' relation to a request, not the position tree's.
RELATION_WORDS = {
    "self": "the employee concerned",
    "supervisor": "the employee's direct supervisor",
    "superior": "the direct supervisor's own superior",
    "proposer": "the proposer",
}


def _in_force(on: BindParameter[dt.date]) -> ColumnElement[bool]:
    return and_(
        Assignment.kind == "definitive",
        Assignment.start_date <= on,
        or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
    )


# The three statements, built once: only the ids and the date vary.
_ON = bindparam("on", type_=Date)
_POSTS = (
    select(Assignment.employee_id, Assignment.position_id)
    .where(Assignment.employee_id.in_(bindparam("employee_ids", expanding=True)), _in_force(_ON))
    .order_by(Assignment.employee_id, Assignment.start_date)
)
_CHAIN = (
    select(Position.id.label("origin"), Position.parent_position_id.label("id"), literal(1).label("level"))
    .where(Position.id.in_(bindparam("position_ids", expanding=True)))
    .cte("chain", recursive=True)
)
_CHAIN = _CHAIN.union_all(
    select(_CHAIN.c.origin, Position.parent_position_id, _CHAIN.c.level + 1).where(
        Position.id == _CHAIN.c.id, _CHAIN.c.level < 64
    )
)
_ANCESTORS = (
    select(_CHAIN.c.origin, _CHAIN.c.id, _CHAIN.c.level, Position.managerial)
    .join(Position, Position.id == _CHAIN.c.id)
    .order_by(_CHAIN.c.origin, _CHAIN.c.level)
)
_HOLDERS = (
    select(Assignment.position_id, Assignment.employee_id)
    .where(Assignment.position_id.in_(bindparam("position_ids", expanding=True)), _in_force(_ON))
    .order_by(Assignment.start_date)
)


async def supervisors_of(session: AsyncSession, employee_id: int, on: dt.date) -> tuple[int | None, int | None]:
    """Employee ids of the direct supervisor and of the supervisor's superior on ``on`` (None: nobody)."""
    return (await supervisors_of_many(session, [employee_id], on)).get(employee_id, (None, None))


async def supervisors_of_many(
    session: AsyncSession, employee_ids: Sequence[int], on: dt.date
) -> dict[int, tuple[int | None, int | None]]:
    """``supervisors_of`` for a page of employees in the same three statements."""
    wanted = sorted(set(employee_ids))
    if not wanted:
        return {}
    posts: dict[int, int] = {}
    for row in await session.execute(_POSTS, {"employee_ids": wanted, "on": on}):
        posts[row.employee_id] = row.position_id
    return await _above(session, posts, on)


async def _above(session: AsyncSession, posts: dict[int, int], on: dt.date) -> dict[int, tuple[int | None, int | None]]:
    """For each (employee id: their post), the holders of the two nearest held managerial posts above it."""
    if not posts:
        return {}
    ancestors = (await session.execute(_ANCESTORS, {"position_ids": sorted(set(posts.values()))})).all()
    managerial_above: dict[int, list[int]] = {}
    for row in ancestors:
        if row.managerial:
            managerial_above.setdefault(row.origin, []).append(row.id)
    holders: dict[int, int] = {}
    every = sorted({pid for ids in managerial_above.values() for pid in ids})
    if every:
        for row in await session.execute(_HOLDERS, {"position_ids": every, "on": on}):
            holders[row.position_id] = row.employee_id
    out: dict[int, tuple[int | None, int | None]] = {}
    for employee_id, position_id in posts.items():
        found: list[int] = []
        for pid in managerial_above.get(position_id, []):
            holder = holders.get(pid)
            if holder is not None and holder != employee_id and holder not in found:
                found.append(holder)
                if len(found) == 2:
                    break
        out[employee_id] = ((found[0] if found else None), (found[1] if len(found) > 1 else None))
    return out


async def relations_to(session: AsyncSession, viewer: Viewer, subject_employee_id: int, on: dt.date) -> frozenset[str]:
    """How ``viewer`` stands to the employee ``subject_employee_id`` on ``on``: self, supervisor, superior."""
    return (await relations_to_many(session, viewer, [subject_employee_id], on))[subject_employee_id]


async def relations_to_many(
    session: AsyncSession, viewer: Viewer, subject_ids: Sequence[int], on: dt.date
) -> dict[int, frozenset[str]]:
    """``relations_to`` for many subjects at once (a page of requests), in at most three statements."""
    out = {sid: frozenset[str]() for sid in subject_ids}
    if viewer.employee_id is None:
        return out
    others = [sid for sid in out if sid != viewer.employee_id]
    if viewer.employee_id in out:
        out[viewer.employee_id] = frozenset({"self"})
    for sid, (supervisor, superior) in (await supervisors_of_many(session, others, on)).items():
        found: set[str] = set()
        if supervisor == viewer.employee_id:
            found.add("supervisor")
        if superior == viewer.employee_id:
            found.add("superior")
        out[sid] = frozenset(found)
    return out


async def supervisors_of_posts(
    session: AsyncSession, asks: Sequence[tuple[int, int, dt.date]]
) -> dict[tuple[int, int, dt.date], int | None]:
    """For each (employee id, post, date): who would directly supervise them in that post on that date (a
    transfer's target post, for the requests of a page). Two statements for any number of asks: the posts'
    ancestors, and their definitive holders over the span of the dates (each date picked in Python)."""
    if not asks:
        return {}
    ancestors = (await session.execute(_ANCESTORS, {"position_ids": sorted({post for _, post, _ in asks})})).all()
    managerial_above: dict[int, list[int]] = {}
    for row in ancestors:
        if row.managerial:
            managerial_above.setdefault(row.origin, []).append(row.id)
    every = sorted({pid for ids in managerial_above.values() for pid in ids})
    held: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}
    if every:
        low, high = min(on for _, _, on in asks), max(on for _, _, on in asks)
        rows = await session.execute(
            select(Assignment.position_id, Assignment.employee_id, Assignment.start_date, Assignment.end_date)
            .where(
                Assignment.position_id.in_(every),
                Assignment.kind == "definitive",
                Assignment.start_date <= high,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= low),
            )
            .order_by(Assignment.start_date)
        )
        for row in rows:
            held.setdefault(row.position_id, []).append((row.employee_id, row.start_date, row.end_date))
    out: dict[tuple[int, int, dt.date], int | None] = {}
    for ask in asks:
        employee_id, post, on = ask
        out[ask] = None
        for pid in managerial_above.get(post, []):
            holders = [who for who, start, end in held.get(pid, []) if start <= on and (end is None or end >= on)]
            if holders and holders[-1] != employee_id:
                out[ask] = holders[-1]
                break
    return out
