"""The preconditions particular to one workflow's proposal (the shared ones are in ``workflows.preconditions``).

Each is named in its definition's ``proposal.preconditions``; the messages name the field and the value.
"""

from __future__ import annotations

from server.errors import CommandRefused, validation
from server.rules import rules_for
from workflows import facts, repository
from workflows.preconditions import ProposalContext, precondition, refuse


@precondition("destination_named")
async def destination_named(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """A transfer out names the receiving province or agency (3-200 characters)."""
    destination = str(ctx.inputs.get("destination") or "")
    if not 3 <= len(" ".join(destination.split())) <= 200:
        raise refuse("destination", f"destination {destination!r} must name the receiving province or agency")


@precondition("has_a_rank")
async def has_a_rank(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """A rank promotion is about a PNS with a rank; the request records the rank it starts from."""
    subject = ctx.subject
    if subject.employment_type != "PNS" or subject.rank_code is None:
        raise refuse("employeeNip", f"{subject.name} is {subject.employment_type} without a rank")
    ctx.draft.data["fromRank"] = subject.rank_code


@precondition("talent_box_in_grid")
async def talent_box_in_grid(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    box = ctx.inputs.get("talentBox")
    if box is not None and not 1 <= box <= 9:
        raise refuse("talentBox", f"talentBox {box} is not a box of the nine-box grid (1-9)")


@precondition("evaluation_year_open")
async def evaluation_year_open(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """The year is plausible, not evaluated yet, and not final (a final one is corrected, not evaluated again)."""
    year, subject = int(ctx.inputs["year"]), ctx.subject
    if not 2000 <= year <= ctx.today.year + 1:
        raise refuse("year", f"year {year} must be between 2000 and {ctx.today.year + 1}")
    if await repository.evaluation_of_year(ctx.session, subject.id, year) is not None:
        raise refuse("year", f"{subject.name} already has the {year} evaluation")
    final = await facts.final_predicate(ctx.session, subject.id, year)
    if final is not None:
        raise refuse(
            "year",
            f"{subject.name}'s {year} evaluation is final ({final}) and is not evaluated again; "
            "BKD corrects a final evaluation with correctEvaluation, giving the reason",
        )


@precondition("training_claim")
async def training_claim(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """A title, and planned hours within the claim rule's maximum (both are reported together)."""
    errors = []
    if not str(ctx.inputs.get("title") or "").strip():
        errors.append(validation("title", "title must not be empty"))
    claim = rules_for("training.claim", ctx.today)
    hours = int(ctx.inputs["hours"])
    if not 0 < hours <= claim.int("max_hours"):
        errors.append(validation("hours", f"hours {hours} must be between 1 and {claim.int('max_hours')}", claim))
    if errors:
        raise CommandRefused(*errors)
