"""The approved headcount (formasi) over time: the quota in force on a day, and recording a change.

``positions.quota`` is the quota in force today; ``position_quotas`` keeps every quota with its dates so an
as-of read answers what was approved then. Every write of a quota records its history here first
(``upsertPosition``, the position import, a formasi request taking effect), so both always agree. A position
with no history row (created before the history existed, or by hand) has had its current quota all along.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Position, PositionQuota
from server.rules import RuleVersion
from server.sql import one_of


def capacity(position: Position, rule: RuleVersion) -> int:
    """How many definitive holders the position can have: its approved headcount, one when managerial
    (``rule``: ``placement.vacancy``)."""
    return min(position.quota, rule.int("managerial_holders")) if position.managerial else position.quota


class QuotaHistoryError(ValueError):
    """A change dated before the quota it would replace took effect; the message names both dates."""


def in_force_on(day: dt.date) -> ColumnElement[bool]:
    """A quota row in force on ``day`` (both ends inclusive, NULL ends open)."""
    return and_(
        or_(PositionQuota.valid_from.is_(None), PositionQuota.valid_from <= day),
        or_(PositionQuota.valid_to.is_(None), PositionQuota.valid_to >= day),
    )


def quota_on(day: dt.date) -> ColumnElement[int]:
    """Correlated on ``Position``: its approved headcount on ``day`` (its current quota if no row covers it)."""
    recorded = (
        select(PositionQuota.quota)
        .where(PositionQuota.position_id == Position.id, in_force_on(day))
        .order_by(PositionQuota.valid_from.desc())
        .limit(1)
        .correlate(Position)
        .scalar_subquery()
    )
    return func.coalesce(recorded, Position.quota)


async def record_changes(
    session: AsyncSession, quotas: Mapping[int, int], from_day: dt.date, request_id: int | None = None
) -> int:
    """Record that each position of ``quotas`` has the quota given from ``from_day`` on: the quota in force
    until then closes the day before (a same-day change replaces it). Call it before ``positions.quota`` is
    written. Three statements for any number of positions; returns how many changed."""
    if not quotas:
        return 0
    by_id = select(Position.id, Position.quota).where(one_of(session, Position.id, quotas))
    current = {position_id: quota for position_id, quota in await session.execute(by_id)}
    open_rows = {
        row.position_id: row
        for row in (
            await session.execute(
                select(PositionQuota).where(
                    one_of(session, PositionQuota.position_id, quotas), PositionQuota.valid_to.is_(None)
                )
            )
        ).scalars()
    }
    changed = 0
    for position_id, quota in sorted(quotas.items()):
        row = open_rows.get(position_id)
        if quota == (row.quota if row is not None else current.get(position_id)):
            continue
        changed += 1
        if row is not None and row.valid_from is not None and row.valid_from > from_day:
            raise QuotaHistoryError(
                f"a quota change from {from_day} cannot come before the quota in force since {row.valid_from}"
            )
        if row is not None and row.valid_from == from_day:
            row.quota, row.request_id = quota, request_id
            continue
        if row is not None:
            row.valid_to = from_day - dt.timedelta(days=1)
        elif position_id in current:
            session.add(
                PositionQuota(
                    position_id=position_id, quota=current[position_id], valid_to=from_day - dt.timedelta(days=1)
                )
            )
        session.add(PositionQuota(position_id=position_id, quota=quota, valid_from=from_day, request_id=request_id))
    await session.flush()
    return changed
