"""Named eligibility rules. Each reads the rule version in force for the request and says why it failed.

A guard answers a ``GuardResult``: the rule's name, whether it held, a sentence naming the values that
decided it, and the rule version and legal basis it applied. ``blocking=False`` marks a warning: it is
recorded in the audit event but does not stop the step (for example rank outside the position's range
when configured as a warning, or a transfer before 2 years in post with an exception reason).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.education import education_at_least
from server.domain.ranks import next_rank, rank_index
from server.models import Position
from server.rules import RuleVersion
from workflows import evaluation_calendar, facts, service_exam, talent
from workflows.context import StepContext
from workflows.promotion_periods import in_promotion_period, period_months

RATINGS: tuple[str, ...] = ("above", "as", "below")


@dataclass(frozen=True)
class GuardResult:
    guard: str
    passed: bool
    message: str
    rule_version: str | None = None
    legal_basis: str | None = None
    blocking: bool = True

    @property
    def refuses(self) -> bool:
        return not self.passed and self.blocking

    @property
    def warns(self) -> bool:
        return not self.passed and not self.blocking


GuardFn = Callable[[StepContext], Awaitable[GuardResult]]
# The fact a guard will ask for (None: none in this case), so that a step asks its guards' facts together.
ReadsFn = Callable[[StepContext], facts.Question[Any] | list[facts.Question[Any]] | None]


@dataclass(frozen=True)
class Guard:
    name: str
    rules: tuple[str, ...]
    check: GuardFn
    reads: ReadsFn | None = None
    judges_input: bool = False


GUARDS: dict[str, Guard] = {}


def guard(
    name: str, *rules: str, reads: ReadsFn | None = None, judges_input: bool = False
) -> Callable[[GuardFn], GuardFn]:
    """Register ``check`` as the guard ``name``, reading the rule versions ``rules`` and the fact ``reads``
    names (``check`` asks for it with ``ctx.fact``, built by the same function). ``judges_input``: the guard
    judges the data given with the step itself (hours claimed, ratings), so it cannot be previewed before
    the step is taken; ``availableActions`` previews every other guard (``workflows.preview``)."""

    def register(check: GuardFn) -> GuardFn:
        GUARDS[name] = Guard(name, rules, check, reads, judges_input)
        return check

    return register


def _result(
    ctx: StepContext, name: str, rule: str | None, passed: bool, message: str, blocking: bool = True
) -> GuardResult:
    version = ctx.rule(rule) if rule else None
    return GuardResult(
        guard=name,
        passed=passed,
        message=message,
        rule_version=version.version_id if version else None,
        legal_basis=version.legal_basis if version else None,
        blocking=blocking,
    )


async def evaluate(names: Sequence[str], ctx: StepContext) -> list[GuardResult]:
    """Every named guard, in order: all of them run, so a refusal names every failed rule at once.

    The facts they read are fetched first, all in one statement."""
    await ctx.ask(questions(names, ctx))
    return [await GUARDS[name].check(ctx) for name in names]


def questions(names: Sequence[str], ctx: StepContext) -> list[facts.Question[Any]]:
    asked = []
    for name in names:
        reads = GUARDS[name].reads
        if reads is None:
            continue
        try:
            question = reads(ctx)
        except Exception:  # e.g. no rule version in force: left to the guard, which raises it in its turn
            continue
        if isinstance(question, list):
            asked.extend(question)
        elif question is not None:
            asked.append(question)
    return asked


def _slot(ctx: StepContext) -> facts.SlotOf | None:
    """The request's position on its date, leaving the request itself out of the decided ones."""
    return facts.SlotOf(ctx.position.id, ctx.on, ctx.request.id) if ctx.position is not None else None


def capacity(position: Position, rule: RuleVersion) -> int:
    """How many definitive holders the position can have: its approved headcount, one when managerial."""
    return min(position.quota, rule.int("managerial_holders")) if position.managerial else position.quota


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


@guard("promotion_period", "rank_promotion.periods")
async def promotion_period(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("rank_promotion.periods")
    message = f"{ctx.on} against the periods of {rule.version_id}: the 1st of {period_months(rule)}"
    return _result(ctx, "promotion_period", rule.name, in_promotion_period(ctx.on, rule), message)


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


@guard("claimed_hours", "training.claim", judges_input=True)
async def claimed_hours(ctx: StepContext) -> GuardResult:
    rule = ctx.rule("training.claim")
    hours = ctx.action_data.get("hours")
    certificate = str(ctx.action_data.get("certificate") or "").strip()
    whole = isinstance(hours, int) and not isinstance(hours, bool)
    ok = whole and 0 < int(hours or 0) <= rule.int("max_hours") and bool(certificate)
    message = f"claimed {hours!r} hours (1 to {rule.int('max_hours')}) with certificate {certificate!r}"
    return _result(ctx, "claimed_hours", rule.name, ok, message)
