"""No conflict of interest in a transfer (DOMAIN.md workflow 2): no declared relative in the line of command.

The employee's declared family ties (``family_relations``, read both ways) are compared with the people
the target post would put directly above and below them on the effective date: the holder of the nearest
held managerial post above the target (their supervisor-to-be, found as ``policies.relations`` finds a
supervisor), and, when the target is managerial, the holders of the posts directly beneath it (their
reports-to-be).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.relations import supervisor_of_post
from server.models import Assignment, Employee, FamilyRelation, Position
from workflows.context import StepContext
from workflows.facts import covering
from workflows.guards import GuardResult, _result, guard

RULE = "transfer.conflict_of_interest"
NAME = "no_conflict_of_interest"


async def relatives_of(session: AsyncSession, employee_id: int, kinds: list[str]) -> dict[int, str]:
    """Employee id -> the tie, for every declared relative of ``employee_id`` (declared by either of them)."""
    rows = await session.execute(
        select(FamilyRelation.employee_id, FamilyRelation.relative_id, FamilyRelation.kind).where(
            or_(FamilyRelation.employee_id == employee_id, FamilyRelation.relative_id == employee_id),
            FamilyRelation.kind.in_(kinds),
        )
    )
    return {(r.relative_id if r.employee_id == employee_id else r.employee_id): r.kind for r in rows}


async def reports_of_post(session: AsyncSession, position_id: int, on: dt.date) -> list[int]:
    """Holders on ``on`` of the posts directly beneath ``position_id``."""
    rows = await session.execute(
        select(Assignment.employee_id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Position.parent_position_id == position_id, *covering(on))
    )
    return [int(r.employee_id) for r in rows]


@guard(NAME, RULE)
async def no_conflict_of_interest(ctx: StepContext) -> GuardResult:
    rule = ctx.rule(RULE)
    target = ctx.position
    if target is None:
        return _result(ctx, NAME, rule.name, True, "no target post")
    relatives = await relatives_of(ctx.session, ctx.subject.id, list(rule["kinds"]))
    if not relatives:
        return _result(ctx, NAME, rule.name, True, f"{ctx.subject.name} has declared no relatives in the service")
    above = await supervisor_of_post(ctx.session, target.id, ctx.on, holder=ctx.subject.id)
    below = await reports_of_post(ctx.session, target.id, ctx.on) if target.managerial else []
    clashes = [("supervisor", above)] if above in relatives else []
    clashes += [("subordinate", who) for who in below if who in relatives and who != ctx.subject.id]
    if not clashes:
        return _result(ctx, NAME, rule.name, True, f"no declared relative directly above or below {target.code}")
    rows = await ctx.session.execute(select(Employee.id, Employee.name).where(Employee.id.in_([w for _, w in clashes])))
    names = {row.id: row.name for row in rows}
    said = "; ".join(
        f"their {relatives[who]} {names.get(who, who)} would be their direct {role}" for role, who in clashes
    )
    return _result(ctx, NAME, rule.name, False, f"in {target.code} on {ctx.on}: {said}")
