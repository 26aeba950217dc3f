"""Retirement at the retirement age (pemberhentian dengan hormat karena batas usia pensiun): its guard and effect.

The age (BUP) depends on the post the employee retires from (the ``retirement`` rule: 58 for administrative
posts and junior functional ones, 60 for senior executives and ahli madya, 65 for ahli utama); retirement
takes effect on the 1st of the month after the birthday on which it is reached (``record_guards.retirement_date``).
"""

from __future__ import annotations

from workflows.context import StepContext
from workflows.effects import Change, effect, leave_active_service
from workflows.facts import add_years
from workflows.guards import GuardResult, _result, guard
from workflows.record_guards import retirement_date

RULE = "retirement"
RETIRED = "retired"


def age_of_retirement(ctx: StepContext) -> int:
    """The retirement age of the post the request retires the employee from (58 without one)."""
    rule, post = ctx.rule(RULE), ctx.origin_position
    default = int(rule["ages"]["default"])
    if post is not None and post.type == "FUNGSIONAL" and post.max_rank:
        return int(rule["functional_ages"].get(post.max_rank, default))
    return int(rule["ages"].get(post.type, default)) if post is not None else default


@guard("retirement_age_reached", RULE)
async def retirement_age_reached(ctx: StepContext) -> GuardResult:
    """The effective date is the day retirement takes effect by law: the 1st of the month after the birthday
    on which the employee reaches the retirement age of their post."""
    age = age_of_retirement(ctx)
    birth = ctx.subject.birth_date
    retires = retirement_date(birth, age)
    post = ctx.origin_position.code if ctx.origin_position is not None else "no post"
    message = (
        f"{ctx.subject.name} (born {birth}, {post}) reaches the retirement age of {age} on "
        f"{add_years(birth, age)} and retires on {retires}; the effective date is {ctx.on}"
    )
    return _result(ctx, "retirement_age_reached", RULE, ctx.on == retires, message)


@effect("retire", audits="employee.retired")
async def retire(ctx: StepContext) -> list[Change]:
    """The employee leaves active service, retired (their post closed the day before by
    ``close_previous_assignment``)."""
    return await leave_active_service(
        ctx, "retire", RETIRED, "employee.retired", effective_date=ctx.request.effective_date
    )
