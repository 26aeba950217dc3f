"""The unit's own predicate caps its staff's predicates (PermenPANRB 6/2022): a guard on rating.

An appraiser who rates above the unit's distribution is refused unless they give a reason
(``data.distributionReason``); with one, the rating goes through and the warning stays in the trail,
as DOMAIN.md asks ("warn, allow override with a reason"). The share is counted against the unit's
headcount (definitive holders of its posts on the evaluation's date), so the first ratings of a year
are not judged against a handful of colleagues; ratings of the year already given in the unit's
other evaluations (rated, delivered, objected or final) count.
"""

from __future__ import annotations

import math

from sqlalchemy import func, select

from server.models import Assignment, Position, Unit, UnitPerformance
from workflows.context import StepContext
from workflows.evaluation_guards import ratings
from workflows.facts import covering
from workflows.guards import GuardResult, _result, guard
from workflows.repository import request_facts

RULE = "evaluation.predicate_distribution"
NAME = "predicate_distribution"


async def _unit_predicate(ctx: StepContext, year: int) -> tuple[str, str | None]:
    row = (
        await ctx.session.execute(
            select(Unit.code, UnitPerformance.predicate)
            .outerjoin(UnitPerformance, (UnitPerformance.unit_id == Unit.id) & (UnitPerformance.year == year))
            .where(Unit.id == ctx.request.unit_id)
        )
    ).first()
    return (row.code, row.predicate) if row is not None else ("(no unit)", None)


async def _headcount(ctx: StepContext) -> int:
    query = (
        select(func.count(func.distinct(Assignment.employee_id)))
        .join(Position, Position.id == Assignment.position_id)
        .where(Position.unit_id == ctx.request.unit_id, *covering(ctx.on))
    )
    return int((await ctx.session.execute(query)).scalar_one())


async def _already_rated(ctx: StepContext, year: int, predicate: str) -> int:
    """The unit's other evaluations of ``year`` that carry ``predicate`` (withdrawn ones carry none)."""
    return await request_facts.evaluations_rated(
        ctx.session, ctx.request.unit_id, year, predicate, besides=ctx.request.id
    )


@guard(NAME, RULE, judges_input=True)
async def predicate_distribution(ctx: StepContext) -> GuardResult:
    rule = ctx.rule(RULE)
    year = int(ctx.request.data.get("year") or ctx.on.year)
    predicate = ratings(ctx)[2]
    if predicate is None:
        return _result(ctx, NAME, rule.name, True, "no predicate yet (the ratings are checked by ratings_in_matrix)")
    unit, organisation = await _unit_predicate(ctx, year)
    if organisation is None:
        return _result(ctx, NAME, rule.name, True, f"{unit} has no predicate of its own for {year}: no distribution")
    cap = rule["max_share"].get(organisation, {}).get(predicate)
    if cap is None:
        return _result(ctx, NAME, rule.name, True, f"{unit}'s own predicate {organisation} sets no cap on {predicate}")
    headcount = await _headcount(ctx)
    allowed = math.floor(cap * headcount + 1e-9)
    count = await _already_rated(ctx, year, predicate) + 1
    share = f"{predicate} would be {count} of {headcount} staff of {unit} in {year}"
    limit = f"its own predicate {organisation} allows {allowed} ({cap:.0%})"
    if count <= allowed:
        return _result(ctx, NAME, rule.name, True, f"{share}; {limit}")
    reason = str(ctx.action_data.get("distributionReason") or "").strip()
    if reason:
        message = f"{share}, above what {limit}; allowed by the appraiser's reason: {reason}"
        return _result(ctx, NAME, rule.name, False, message, blocking=False)
    message = f"{share}, above what {limit}; give data.distributionReason to rate above the distribution"
    return _result(ctx, NAME, rule.name, False, message)
