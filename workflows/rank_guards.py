"""Guards of the rank promotion: years in rank, the education cap, the service exam and the promotion periods."""

from __future__ import annotations

from server.domain.ranks import next_rank, rank_index
from workflows import facts, service_exam
from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard
from workflows.promotion_periods import in_promotion_period, period_months


@guard("min_years_in_rank", "rank_promotion.min_years_in_rank")
async def min_years_in_rank(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("rank_promotion.min_years_in_rank")
    years = rule.int("years")
    since = ctx.subject.rank_since
    if ctx.subject.rank_code is None or since is None:
        return _result(ctx, "min_years_in_rank", rule.name, False, f"{ctx.subject.name} has no rank (PPPK have none)")
    due = facts.add_years(since, years)
    message = (
        f"in rank {ctx.subject.rank_code} since {since}: {years} years are reached on {due}, the period is {ctx.on}"
    )
    return _result(ctx, "min_years_in_rank", rule.name, due <= ctx.on, message)


@guard("education_cap", "rank_promotion.education_cap")
async def education_cap(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("rank_promotion.education_cap")
    rank = ctx.subject.rank_code
    target = next_rank(rank) if rank else None
    if target is None:
        return _result(ctx, "education_cap", rule.name, False, f"rank {rank} has no next rank")
    cap = rule["caps"].get(ctx.subject.education)
    if cap is None:
        return _result(ctx, "education_cap", rule.name, False, f"education {ctx.subject.education} has no cap")
    message = f"{target} against the cap {cap} for education {ctx.subject.education}"
    return _result(ctx, "education_cap", rule.name, rank_index(target) <= rank_index(cap), message)


def _service_exams(ctx: StepContext) -> service_exam.ServiceExamsOf | None:
    """The subject's certificates, when the promotion crosses into a group that needs one."""
    crossing = service_exam.group_entered(ctx.subject.rank_code, ctx.rule("rank_promotion.service_exam"))
    return service_exam.ServiceExamsOf(ctx.subject.id) if crossing is not None else None


@guard("service_exam", "rank_promotion.service_exam", reads=_service_exams)
async def service_exam_held(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("rank_promotion.service_exam")
    question = _service_exams(ctx)
    held = await ctx.fact(question) if question is not None else frozenset[str]()
    passed, message = service_exam.verdict(ctx.subject, held, rule)
    return _result(ctx, "service_exam", rule.name, passed, message)


@guard("promotion_period", "rank_promotion.periods")
async def promotion_period(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("rank_promotion.periods")
    message = f"{ctx.on} against the periods of {rule.version_id}: the 1st of {period_months(rule)}"
    return _result(ctx, "promotion_period", rule.name, in_promotion_period(ctx.on, rule), message)
