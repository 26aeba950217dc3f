"""Workforce needs (``workforceNeeds``): per position, the workload's hours, the staff they need, the approved
headcount, the definitive holders and the gap.

The formula is DOMAIN.md's workload analysis (ABK): needed staff = sum(annual volume x norm hours) / the effective
working hours of a year (the rule ``workload.effective_hours`` in force on the day asked about, 1,250 hours).
``neededStaff`` is that fraction; the gap counts whole people: the needed staff rounded half up (a fraction of
half a person's year or more needs one more person; less is absorbed by the others) minus the holders, so a
positive gap is a shortfall and a negative one a surplus. Worked examples: docs/planning.md.

Who may read it is the policy's ``workload, read`` lines over the position's unit (``policies.scope``): a viewer
without such a grant over a unit sees none of its positions, like every list, and the public sees nothing.
One statement for the figures of every position, one more for their tasks when asked for.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.scope import workload_scope
from policies.viewer import Viewer
from server.models import Position, PositionWorkload, Unit
from server.registry.queries import definitive_holder_count, subtree_ids
from server.registry.quotas import quota_on
from server.registry.workloads import WorkloadTask, effective_hours_rule


def needed_staff(annual_hours: float, effective_hours: int) -> Decimal:
    """The ABK formula on hours given to the hundredth (norm times are minutes, recorded as hours)."""
    return Decimal(str(round(annual_hours, 2))) / Decimal(effective_hours)


def whole_people(needed: Decimal) -> int:
    """Needed staff in whole people: rounded half up (1.49 is 1, 1.5 is 2)."""
    return int(needed.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class PositionNeed:
    position: Position
    annual_hours: float
    needed_staff: float
    approved_quota: int
    filled: int
    gap: int


def _positions(viewer: Viewer, unit: Unit, include_subunits: bool) -> ColumnElement[bool]:
    """SQL on ``Position``: in ``unit`` (and its subtree) and in the viewer's workload scope."""
    in_unit = Position.unit_id.in_(subtree_ids(unit.path)) if include_subunits else Position.unit_id == unit.id
    return and_(in_unit, workload_scope(viewer).units_clause(Position.unit_id))


async def workforce_needs(
    session: AsyncSession, viewer: Viewer, *, unit: Unit, include_subunits: bool, day: dt.date
) -> list[PositionNeed]:
    """The positions of ``unit`` (and its subunits) the viewer may read the workload of, by position code."""
    if workload_scope(viewer).nothing:
        return []
    effective = effective_hours_rule(day).int("hours")
    hours = (
        select(func.coalesce(func.sum(PositionWorkload.annual_volume * PositionWorkload.norm_hours), 0.0))
        .where(PositionWorkload.position_id == Position.id)
        .correlate(Position)
        .scalar_subquery()
    )
    query = (
        select(Position, hours, quota_on(day), definitive_holder_count(day))
        .where(_positions(viewer, unit, include_subunits))
        .order_by(Position.code)
    )
    needs = []
    for position, annual, quota, filled in await session.execute(query):
        annual_hours = round(float(annual), 2)
        needed = needed_staff(annual_hours, effective)
        needs.append(
            PositionNeed(
                position=position,
                annual_hours=annual_hours,
                needed_staff=float(round(needed, 4)),
                approved_quota=int(quota),
                filled=int(filled),
                gap=whole_people(needed) - int(filled),
            )
        )
    return needs


async def workload_tasks(
    session: AsyncSession, viewer: Viewer, *, unit: Unit, include_subunits: bool
) -> dict[int, list[WorkloadTask]]:
    """The tasks of the positions ``workforce_needs`` lists, by position and task name: one statement."""
    out: dict[int, list[WorkloadTask]] = defaultdict(list)
    if workload_scope(viewer).nothing:
        return out
    query = (
        select(
            PositionWorkload.position_id,
            PositionWorkload.task,
            PositionWorkload.annual_volume,
            PositionWorkload.norm_hours,
        )
        .join(Position, Position.id == PositionWorkload.position_id)
        .where(_positions(viewer, unit, include_subunits))
        .order_by(PositionWorkload.position_id, PositionWorkload.task)
    )
    for position_id, task, volume, norm in await session.execute(query):
        out[position_id].append(WorkloadTask(task, volume, norm))
    return out
