"""Guards of the position and the post: a free seat, years in the current post, the position's rank range and
requirements, and a higher post for a position promotion (senior executive posts included)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from server.domain.education import education_at_least
from server.domain.ranks import rank_index
from server.registry.quotas import capacity
from server.rules import RuleVersion
from workflows import facts
from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard


def _slot(ctx: StepContext) -> facts.SlotOf | None:
    """The request's position on its date, leaving the request itself out of the decided ones."""
    return facts.SlotOf(ctx.position.id, ctx.on, ctx.request.id) if ctx.position is not None else None


@guard("slot_vacant", "placement.vacancy", reads=_slot)
async def slot_vacant(ctx: StepContext) -> GuardResult:
    """A seat is free on the request's date: holders plus decided requests waiting to take effect (which
    hold their seats) stay below the capacity. Checked at the decision, so a decided request can always
    take effect."""
    rule = ctx.rule("placement.vacancy")
    position, question = ctx.position, _slot(ctx)
    if position is None or question is None:
        return _result(ctx, "slot_vacant", rule.name, False, "the request names no position")
    slot = await ctx.fact(question)
    holders, pending = slot.holders, slot.pending
    if ctx.subject.id in holders:
        message = f"{ctx.subject.name} already holds {position.code} on {ctx.on}"
        return _result(ctx, "slot_vacant", rule.name, False, message)
    seats = capacity(position, rule)
    kind = f"a managerial {position.type} post: {seats} definitive holder" if position.managerial else ""
    headcount = kind or f"an approved headcount of {seats}"
    message = (
        f"{position.code} has {headcount}, {len(holders)} holder(s) on {ctx.on} and {pending} decided "
        "request(s) waiting to take effect"
    )
    return _result(ctx, "slot_vacant", rule.name, len(holders) + pending < seats, message)


def _history(ctx: StepContext) -> facts.HistoryOf:
    return facts.HistoryOf(ctx.subject.id)


@guard("min_years_in_post", "transfer.years_in_post", reads=_history)
async def min_years_in_post(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("transfer.years_in_post")
    stint = facts.stint_on(await ctx.history(), ctx.on - dt.timedelta(days=1))
    if stint is None:
        return _result(ctx, "min_years_in_post", rule.name, False, f"{ctx.subject.name} holds no post before {ctx.on}")
    years = facts.full_years(stint.start, ctx.on)
    minimum = rule.int("min_years")
    if years >= minimum:
        due = " (due for rotation)" if years >= rule.int("rotation_due_years") else ""
        return _result(ctx, "min_years_in_post", rule.name, True, f"{years} years in post since {stint.start}{due}")
    exception = str(ctx.request.data.get("exceptionReason") or "").strip()
    if exception:
        message = f"{years} years in post since {stint.start}, less than {minimum}; allowed by exception: {exception}"
        return _result(ctx, "min_years_in_post", rule.name, False, message, blocking=False)
    message = f"{years} years in post since {stint.start}, less than {minimum} on {ctx.on}; give an exception reason"
    return _result(ctx, "min_years_in_post", rule.name, False, message)


def _managerial_history(ctx: StepContext) -> facts.HistoryOf | None:
    """The subject's posts, when the position's type has an experience requirement."""
    rule = ctx.rule("placement.managerial_requirements")
    needs = rule.values.get(ctx.position.type) if ctx.position else None
    return _history(ctx) if needs is not None else None


@guard("managerial_requirements", "placement.managerial_requirements", reads=_managerial_history)
async def managerial_requirements(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("placement.managerial_requirements")
    position = ctx.position
    needs = rule.values.get(position.type) if position else None
    if position is None or needs is None:
        return _result(ctx, "managerial_requirements", rule.name, True, "no education or experience requirement")
    problems = []
    if not education_at_least(ctx.subject.education, needs["min_education"]):
        problems.append(f"education {ctx.subject.education} is below {needs['min_education']}")
    years = facts.years_in(await ctx.history(), needs["experience_in"], ctx.on)
    if years < needs["years"]:
        problems.append(f"{years:.1f} years as {'/'.join(needs['experience_in']).lower()}, less than {needs['years']}")
    message = f"{position.type.lower()} {position.code}: " + ("; ".join(problems) or "education and experience met")
    return _result(ctx, "managerial_requirements", rule.name, not problems, message)


@guard("rank_in_position_range", "placement.rank_range")
async def rank_in_position_range(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("placement.rank_range")
    position, rank = ctx.position, ctx.subject.rank_code
    if position is None or (position.min_rank is None and position.max_rank is None):
        return _result(ctx, "rank_in_position_range", rule.name, True, "the position sets no rank range")
    low, high = position.min_rank or "I/a", position.max_rank or "IV/e"
    inside = rank is not None and rank_index(low) <= rank_index(rank) <= rank_index(high)
    message = f"rank {rank or 'none'} against {position.code}'s range {low}..{high}"
    return _result(ctx, "rank_in_position_range", rule.name, inside, message, blocking=rule.flag("blocking"))


def _level(rule: RuleVersion, position_type: str, job_class: int | None) -> tuple[int, int]:
    return int(rule["levels"].get(position_type, 0)), job_class or 0


@guard("higher_position", "position_promotion.higher_position", reads=_history)
async def higher_position(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("position_promotion.higher_position")
    target = ctx.position
    current = facts.stint_on(await ctx.history(), ctx.on - dt.timedelta(days=1))
    if target is None or current is None:
        return _result(ctx, "higher_position", rule.name, False, "needs a current post and a target position")
    if target.job_class is not None and current.job_class is not None:
        ok = target.job_class > current.job_class
        message = f"job class {target.job_class} of {target.code} against {current.job_class} now"
    else:
        ok = _level(rule, target.type, target.job_class) > _level(rule, current.position_type, current.job_class)
        message = f"{target.type} against {current.position_type} now"
    return _result(ctx, "higher_position", rule.name, ok, message)


def _senior_history(ctx: StepContext) -> facts.HistoryOf | None:
    """The subject's posts, when the position is a senior executive one."""
    rule = ctx.rule("position_promotion.senior_executive")
    return _history(ctx) if ctx.position is not None and ctx.position.type in rule["types"] else None


def ahli_madya_years(history: Sequence[facts.Stint], rule: RuleVersion, until: dt.date) -> float:
    """Years in functional posts of the ahli madya level (rank range starting in the rule's madya ranks), which
    count for a senior executive post as years as administrator do (UU 20/2023 jo. PP 11/2017 art. 107)."""
    madya = set(rule.values.get("ahli_madya_ranks", ()))
    level = [s for s in history if s.position_type == "FUNGSIONAL" and s.min_rank in madya]
    return facts.years_in(level, ["FUNGSIONAL"], until)


@guard("senior_executive_requirements", "position_promotion.senior_executive", reads=_senior_history)
async def senior_executive_requirements(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("position_promotion.senior_executive")
    position = ctx.position
    if position is None or position.type not in rule["types"]:
        return _result(ctx, "senior_executive_requirements", rule.name, True, "not a senior executive post")
    history = await ctx.history()
    problems = []
    if not education_at_least(ctx.subject.education, rule["min_education"]):
        problems.append(f"education {ctx.subject.education} is below {rule['min_education']}")
    total = sum(facts.years_between(s.start, min(s.end or ctx.on, ctx.on)) for s in history if s.start < ctx.on)
    if total < rule.int("min_years_experience"):
        problems.append(f"{total:.1f} years' experience, less than {rule.int('min_years_experience')}")
    senior = facts.years_in(history, ["ADMINISTRATOR"], ctx.on) + ahli_madya_years(history, rule, ctx.on)
    if senior < rule.int("min_years_administrator"):
        problems.append(
            f"{senior:.1f} years as administrator or ahli madya, less than {rule.int('min_years_administrator')}"
        )
    age = facts.full_years(ctx.subject.birth_date, ctx.on)
    if age > rule.int("max_age"):
        problems.append(f"aged {age} on {ctx.on}, above {rule.int('max_age')}")
    message = "; ".join(problems) or "education, experience and age met"
    return _result(ctx, "senior_executive_requirements", rule.name, not problems, message)
