"""Guards on the employee's record: the evaluation predicates, running sanctions, the retirement date and the
talent pool box."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflows import evaluation_calendar, facts, talent
from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard


def _predicates(ctx: StepContext) -> facts.PredicatesOf:
    """The subject's predicates of the years that can count on the request's date (the evaluation calendar)."""
    rule, deadline = ctx.rule(evaluation_calendar.MIN_PREDICATE), ctx.rule(evaluation_calendar.EVALUATION_DEADLINE)
    return facts.PredicatesOf(ctx.subject.id, evaluation_calendar.years_to_read(ctx.on, rule, deadline))


@guard(
    "predicate_last_two_years",
    evaluation_calendar.MIN_PREDICATE,
    evaluation_calendar.EVALUATION_DEADLINE,
    reads=_predicates,
)
async def predicate_last_two_years(ctx: StepContext) -> GuardResult:
    """At least Baik in each of the last 2 years, the years chosen by ``evaluation_calendar.judge_predicates``."""
    rule, deadline = ctx.rule(evaluation_calendar.MIN_PREDICATE), ctx.rule(evaluation_calendar.EVALUATION_DEADLINE)
    found = await ctx.fact(_predicates(ctx))
    verdict = evaluation_calendar.judge_predicates(ctx.on, found, rule, deadline)
    return _result(ctx, "predicate_last_two_years", rule.name, verdict.passed, verdict.message)


def _sanctions(ctx: StepContext) -> facts.SanctionsOf:
    """The subject's blocking sanctions running at any time between today and the request's date."""
    rule = ctx.rule("discipline.active_sanction")
    start, end = min(ctx.today, ctx.on), max(ctx.today, ctx.on)
    return facts.SanctionsOf(ctx.subject.id, start, end, tuple(rule["blocking_severities"]))


def sanction_verdict(first: facts.Sanction | None) -> tuple[bool, str]:
    """Whether no blocking sanction runs, and the sentence naming the first that does (the guard and the
    batched eligibility list say the same)."""
    if first is None:
        return True, "no moderate or heavy sanction runs"
    until = first.end_date.isoformat() if first.end_date else "no end date"
    decree = first.decree_no or "unnumbered"
    return False, f"a {first.severity} sanction runs from {first.start_date} to {until} (decree {decree})"


@guard("no_active_sanction", "discipline.active_sanction", reads=_sanctions)
async def no_active_sanction(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("discipline.active_sanction")
    found = await ctx.fact(_sanctions(ctx))
    passed, message = sanction_verdict(found[0] if found else None)
    return _result(ctx, "no_active_sanction", rule.name, passed, message)


def retirement_age(ctx: StepContext) -> int:
    rule = ctx.rule("retirement")
    position = ctx.position
    if position is not None and position.type == "FUNGSIONAL" and position.max_rank:
        return int(rule["functional_ages"].get(position.max_rank, rule["ages"]["default"]))
    kind = position.type if position is not None else "default"
    return int(rule["ages"].get(kind, rule["ages"]["default"]))


def retirement_date(birth: dt.date, age: int) -> dt.date:
    """Retirement takes effect on the 1st of the month after the birthday at ``age``."""
    birthday = facts.add_years(birth, age)
    return dt.date(birthday.year + (birthday.month == 12), birthday.month % 12 + 1, 1)


@guard("not_near_retirement", "retirement")
async def not_near_retirement(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("retirement")
    age = retirement_age(ctx)
    retires = retirement_date(ctx.subject.birth_date, age)
    months = rule.int("months_before")
    year, month = divmod(retires.year * 12 + retires.month - 1 - months, 12)
    limit = dt.date(year, month + 1, 1)
    message = f"retires on {retires} at {age}; no placement from {limit} ({months} months before), effective {ctx.on}"
    return _result(ctx, "not_near_retirement", rule.name, ctx.on < limit, message)


def _talent(ctx: StepContext) -> list[facts.Question[Any]]:
    """The subject's predicates (the ones ``predicate_last_two_years`` reads) and assessments."""
    return [_predicates(ctx), talent.AssessmentsOf(ctx.subject.id)]


@guard(
    "talent_pool_or_assessment",
    "position_promotion.talent_pool",
    talent.NINE_BOX,
    evaluation_calendar.EVALUATION_DEADLINE,
    reads=_talent,
)
async def talent_pool_or_assessment(ctx: StepContext) -> GuardResult:
    """The box is read from the talent pool (``workflows.talent.place``), never from the proposer's input:
    the pool of last year once its evaluation is final or its season closed, else of the year before."""
    rule = ctx.rule("position_promotion.talent_pool")
    predicates = await ctx.fact(_predicates(ctx))
    year = talent.guard_year(ctx.on, predicates, ctx.rule(evaluation_calendar.EVALUATION_DEADLINE))
    assessments = await ctx.fact(talent.AssessmentsOf(ctx.subject.id))
    placed = talent.place(year, predicates.get(year), assessments, ctx.rule(talent.NINE_BOX))
    assessed = bool(ctx.request.data.get("assessmentPassed"))
    ok = placed.box in rule["boxes"] or assessed
    message = f"{placed.describe()} (needs {rule['boxes']}), assessment passed: {assessed}"
    return _result(ctx, "talent_pool_or_assessment", rule.name, ok, message)
