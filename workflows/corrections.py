"""Final is final: a final evaluation changes only through an audited correction (``evaluation_correction``).

``startEvaluation`` refuses a year that already has a final predicate (``facts.final_predicate``). A BKD
official proposes a correction with the corrected ratings and the reason; another BKD official confirms it
(``correct``), and only then does the year's predicate change, audited as ``evaluation.corrected`` with the
predicate before and after and the reason. The ratings give the predicate through the matrix in force for
the evaluated year, as the evaluation itself did.
"""

from __future__ import annotations

from sqlalchemy import select

from server.models import EvaluationResult
from workflows import facts, repository
from workflows.context import StepContext
from workflows.effects import Change, EffectFailed, effect
from workflows.guards import GuardResult, _result, guard
from workflows.preconditions import ProposalContext, precondition, refuse
from workflows.proposals import command

KIND = "EVALUATION_CORRECTION"
RULE = "evaluation.correction"


def _year(ctx: StepContext) -> int:
    return int(ctx.request.data["year"])


def _final(ctx: StepContext) -> facts.PredicatesOf:
    return facts.PredicatesOf(ctx.subject.id, (_year(ctx),))


@guard("final_evaluation_exists", RULE, reads=_final)
async def final_evaluation_exists(ctx: StepContext) -> GuardResult:
    """A correction corrects something: the year must have a final predicate (else it is evaluated, not corrected)."""
    year = _year(ctx)
    found = (await ctx.fact(_final(ctx))).get(year)
    if found is None:
        message = f"{ctx.subject.name} has no final {year} evaluation to correct; start the {year} evaluation instead"
        return _result(ctx, "final_evaluation_exists", RULE, False, message)
    return _result(ctx, "final_evaluation_exists", RULE, True, f"the final {year} predicate is {found}")


@effect("correct_evaluation", audits="evaluation.corrected")
async def correct_evaluation(ctx: StepContext) -> list[Change]:
    """The year's final predicate becomes the one the corrected ratings give; before, after and the reason audited."""
    year = _year(ctx)
    row = (
        await ctx.session.execute(
            select(EvaluationResult).where(
                EvaluationResult.employee_id == ctx.subject.id, EvaluationResult.year == year
            )
        )
    ).scalar_one_or_none()
    # The ratings proposed (and confirmed as they are): the confirmer's own step data does not change them.
    result, behaviour = ctx.request.data.get("resultRating"), ctx.request.data.get("behaviourRating")
    predicate = ctx.rule("evaluation.predicate_matrix")["matrix"].get(f"{result}|{behaviour}")
    if row is None or predicate is None:
        raise EffectFailed("correct_evaluation", f"{ctx.subject.name} has no final {year} evaluation to correct")
    before = {"year": year, "predicate": row.predicate}
    row.predicate = str(predicate)
    await ctx.session.flush()
    after = {
        "year": year,
        "predicate": row.predicate,
        "resultRating": result,
        "behaviourRating": behaviour,
        "reason": ctx.request.reason,
        "correctionRequest": ctx.request.id,
    }
    return [Change("evaluation.corrected", "employee", ctx.subject.nip, before, after)]


@precondition("correctable_evaluation")
async def correctable_evaluation(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """A reason, a past year, no other correction pending; the request records the predicate it corrects."""
    subject, year = ctx.subject, int(ctx.inputs["year"])
    if not ctx.draft.reason:
        raise refuse("reason", "reason must say why the final evaluation is corrected")
    if not 2000 <= year <= ctx.today.year:
        raise refuse("year", f"year {year} must be between 2000 and {ctx.today.year}")
    if await repository.open_request_of(ctx.session, [KIND], subject.id) is not None:
        raise refuse(
            "employeeNip",
            f"{subject.name} already has an unfinished evaluation correction; confirm, reject or withdraw it first",
        )
    ctx.draft.data["before"] = await facts.final_predicate(ctx.session, subject.id, year)


correct_evaluation_command = command(KIND)
