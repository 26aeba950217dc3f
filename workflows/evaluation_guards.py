"""Guards of the yearly records taken as input: the evaluation's ratings and objection window, training claims."""

from __future__ import annotations

import datetime as dt

from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard

RATINGS: tuple[str, ...] = ("above", "as", "below")


@guard("objection_window", "evaluation.objection_window")
async def objection_window(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("evaluation.objection_window")
    delivered = ctx.request.delivered_on
    if delivered is None:
        return _result(ctx, "objection_window", rule.name, False, "the evaluation has not been delivered")
    closes = delivered + dt.timedelta(days=rule.int("days"))
    message = f"delivered {delivered}; objections close after {closes}, today is {ctx.today}"
    return _result(ctx, "objection_window", rule.name, ctx.today <= closes, message)


def ratings(ctx: StepContext) -> tuple[object, object, str | None]:
    """The step's result and behaviour ratings (this step's data, else the request's) and their predicate."""
    result = ctx.action_data.get("resultRating", ctx.request.data.get("resultRating"))
    behaviour = ctx.action_data.get("behaviourRating", ctx.request.data.get("behaviourRating"))
    predicate = ctx.rule("evaluation.predicate_matrix")["matrix"].get(f"{result}|{behaviour}")
    return result, behaviour, (str(predicate) if predicate is not None else None)


@guard("ratings_in_matrix", "evaluation.predicate_matrix", judges_input=True)
async def ratings_in_matrix(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("evaluation.predicate_matrix")
    result, behaviour, predicate = ratings(ctx)
    if predicate is None:
        message = f"result {result!r} and behaviour {behaviour!r} must each be one of {', '.join(RATINGS)}"
        return _result(ctx, "ratings_in_matrix", rule.name, False, message)
    return _result(ctx, "ratings_in_matrix", rule.name, True, f"result {result}, behaviour {behaviour}: {predicate}")


@guard("claimed_hours", "training.claim", judges_input=True)
async def claimed_hours(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("training.claim")
    hours = ctx.action_data.get("hours")
    certificate = str(ctx.action_data.get("certificate") or "").strip()
    whole = isinstance(hours, int) and not isinstance(hours, bool)
    ok = whole and 0 < int(hours or 0) <= rule.int("max_hours") and bool(certificate)
    message = f"claimed {hours!r} hours (1 to {rule.int('max_hours')}) with certificate {certificate!r}"
    return _result(ctx, "claimed_hours", rule.name, ok, message)
