"""The automatic eligibility list of regular rank promotion for one period (DOMAIN.md, workflow 3).

Who is listed: active PNS employees with a rank, in the caller's scope (and optionally a unit subtree,
both by the definitive post held today), without an unfinished rank-promotion request, who pass on the
period date every guard the rank-promotion definition names (``promotion_period``, ``min_years_in_rank``,
``predicate_last_two_years``, ``education_cap``, ``service_exam``, ``no_active_sanction``, read from the
definition in force, not listed here), judged by the rule versions in force on the period date.

How: SQL narrows the rows as far as the rules allow it to be said in SQL (employment type, rank, years
in rank from ``rank_since``, the education cap and the service exam as rank lists derived from the same
rule versions, no open request, scope, unit), in NIP order. Each chunk of rows is then judged in Python by
the guards themselves (the ``GUARDS`` registry): the facts they read (predicates, sanctions, service
exams) are asked for the whole chunk at once (``facts_many``, one reader per kind of fact), then each
guard runs per row in memory on facts already read. The SQL pre-filters only save work: a row they let
through is still judged by the guards, so the guards decide.

Pagination is keyset by NIP: chunks are read until ``first + 1`` rows pass (that one extra says whether
there is a next page) or the rows run out, so a page never repeats or skips a candidate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from policies.enforcer import get_enforcer
from policies.scope import ReadScope
from policies.viewer import Viewer
from server.domain.ranks import RANK_CODES, next_rank, rank_index
from server.models import Employee, Position, Unit, WorkflowRequest
from server.registry.queries import UnitCondition, in_units, subtree_ids
from server.rules import RuleNotFound, RuleVersion, rules_for
from workflows import catalog, facts, facts_many, guards, service_exam
from workflows.context import StepContext
from workflows.guards import GUARDS, GuardResult
from workflows.promotion_periods import EligibilityError as EligibilityError
from workflows.promotion_periods import NotAPromotionPeriod as NotAPromotionPeriod
from workflows.promotion_periods import check_period as check_period
from workflows.repository import request_facts

KIND = "RANK_PROMOTION"
CHUNK_MIN, CHUNK_MAX = 50, 500
COUNT_CHUNK = 1000


@dataclass(frozen=True)
class Candidate:
    """One employee on the list: who, the promotion they are due, and the rule versions that judged them."""

    employee: Employee
    current_rank: str
    next_rank: str
    rank_since: dt.date
    years_in_rank: float
    rule_versions: dict[str, str]
    results: tuple[GuardResult, ...]

    @property
    def employee_id(self) -> int:
        return self.employee.id

    @property
    def nip(self) -> str:
        return self.employee.nip


# ---------------------------------------------------------------------------------------------- rules


def guard_names() -> list[str]:
    """The guards of the rank-promotion definition in force, proposal first then each action's, once each."""
    definition = catalog.current(KIND)
    names = list(definition.proposal.guards)
    for action in definition.actions:
        names += [g for g in action.guards if g not in names]
    return names


def rule_versions(period: dt.date, names: Sequence[str] | None = None) -> dict[str, str]:
    """``{rule name: version id}`` of every rule the guards read, in force on ``period`` (as a proposal records)."""
    rules = sorted({rule for g in (names or guard_names()) for rule in GUARDS[g].rules})
    return {rule: rules_for(rule, period).version_id for rule in rules}


def _education_cap_clause(rule: RuleVersion) -> ColumnElement[bool]:
    """SQL pre-filter from ``rank_promotion.education_cap``: the next rank is within the cap of the education."""
    clauses = []
    for education, cap in rule["caps"].items():
        below = [r for r in RANK_CODES if (n := next_rank(r)) is not None and rank_index(n) <= rank_index(cap)]
        if below:
            clauses.append(and_(Employee.education == education, Employee.rank_code.in_(below)))
    return or_(*clauses) if clauses else false()


def _no_open_request() -> ColumnElement[bool]:
    return ~request_facts.has_open_request(KIND)


def candidates_query(
    *,
    period: dt.date,
    today: dt.date,
    visible: UnitCondition | None,
    unit: Unit | None,
    include_subunits: bool,
    exclude_employee_id: int | None,
    names: Sequence[str],
) -> Select[Employee]:
    """Every row that can be a candidate, as far as SQL can tell (unordered)."""
    query = select(Employee).where(
        Employee.employment_type == "PNS",
        Employee.status == "active",
        Employee.rank_code.is_not(None),
        Employee.rank_since.is_not(None),
        _no_open_request(),
    )
    if "min_years_in_rank" in names:
        years = rules_for("rank_promotion.min_years_in_rank", period).int("years")
        # add_years(since, years) <= period  <=>  since <= period - years (exact for a period on the 1st;
        # in any case the guard itself judges every row that passes).
        query = query.where(Employee.rank_since <= facts.add_years(period, -years))
    if "education_cap" in names:
        query = query.where(_education_cap_clause(rules_for("rank_promotion.education_cap", period)))
    if "service_exam" in names:
        query = query.where(service_exam.clause(rules_for("rank_promotion.service_exam", period)))
    if visible is not None:
        query = query.where(in_units(visible(Position.unit_id), today))
    if unit is not None:
        unit_cond = Position.unit_id.in_(subtree_ids(unit.path)) if include_subunits else Position.unit_id == unit.id
        query = query.where(in_units(unit_cond, today))
    if exclude_employee_id is not None:
        query = query.where(Employee.id != exclude_employee_id)
    return query


# ---------------------------------------------------------------------------------------------- judging


def _context(
    session: AsyncSession, subject: Employee, period: dt.date, today: dt.date, versions: dict[str, str]
) -> StepContext:
    """What a guard sees for a rank promotion of ``subject`` effective on ``period`` (a request not stored)."""
    request = WorkflowRequest(
        kind=KIND, effective_date=period, rule_versions=dict(versions), data={}, subject_employee_id=subject.id
    )
    return StepContext(session, request, subject, None, None, today)


async def _judge(
    session: AsyncSession,
    rows: Sequence[Employee],
    *,
    period: dt.date,
    today: dt.date,
    names: Sequence[str],
    versions: dict[str, str],
) -> list[Candidate]:
    """The rows that pass every guard, in the order given. The guards' facts are asked for the whole chunk
    together (``facts_many``: one reader per kind of fact, whatever the chunk's size); then the very guards
    of the definition (``GUARDS``) judge each row on facts already read."""
    if not rows:
        return []
    contexts = {row.id: _context(session, row, period, today, versions) for row in rows}
    asked = {row.id: guards.questions(names, contexts[row.id]) for row in rows}
    answers = await facts_many.answer_many(session, [q for qs in asked.values() for q in qs])
    out = []
    for row in rows:
        ctx = contexts[row.id]
        ctx.known({q: answers[q] for q in asked[row.id]})
        results = [await GUARDS[name].check(ctx) for name in names]
        target = next_rank(row.rank_code) if row.rank_code else None
        if any(r.refuses for r in results) or row.rank_code is None or row.rank_since is None or target is None:
            continue
        out.append(
            Candidate(
                employee=row,
                current_rank=row.rank_code,
                next_rank=target,
                rank_since=row.rank_since,
                years_in_rank=round(facts.years_between(row.rank_since, period), 2),
                rule_versions=dict(versions),
                results=tuple(results),
            )
        )
    return out


async def _chunks(
    session: AsyncSession, query: Select[Employee], after_nip: str | None, size: int
) -> AsyncIterator[list[Employee]]:
    """The query's rows in NIP order, ``size`` at a time, strictly after ``after_nip``."""
    last = after_nip
    while True:
        page = query.where(Employee.nip > last) if last is not None else query
        rows = list((await session.execute(page.order_by(Employee.nip).limit(size))).scalars().all())
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1].nip


def _prepare(period: dt.date) -> tuple[list[str], dict[str, str]]:
    check_period(period)
    names = guard_names()
    try:
        return names, rule_versions(period, names)
    except RuleNotFound as exc:
        raise EligibilityError(f"period {period.isoformat()}: {exc}") from None


def _prepared(
    period: dt.date,
    today: dt.date,
    visible: UnitCondition | None,
    unit: Unit | None,
    include_subunits: bool,
    exclude_employee_id: int | None,
) -> tuple[Select[Employee], list[str], dict[str, str]]:
    """The list's pre-filtering query, with the guard names and rule versions its rows are judged by."""
    names, versions = _prepare(period)
    query = candidates_query(
        period=period,
        today=today,
        visible=visible,
        unit=unit,
        include_subunits=include_subunits,
        exclude_employee_id=exclude_employee_id,
        names=names,
    )
    return query, names, versions


async def rank_promotion_candidates(
    session: AsyncSession,
    *,
    period: dt.date,
    today: dt.date,
    visible: UnitCondition | None,
    unit: Unit | None = None,
    include_subunits: bool = True,
    exclude_employee_id: int | None = None,
    first: int,
    after_nip: str | None = None,
) -> tuple[list[Candidate], bool]:
    """One page of candidates in NIP order after ``after_nip``, and whether more follow.

    ``visible`` limits the people by the unit of their post today (None: everyone); ``unit`` narrows to
    that unit (its subtree with ``include_subunits``). ``exclude_employee_id`` leaves out the viewer, who
    may not propose their own promotion. Raises ``NotAPromotionPeriod`` (a ``ValueError``) when ``period``
    is not a period under the rule in force on it, ``EligibilityError`` when a rule has no version then.
    """
    query, names, versions = _prepared(period, today, visible, unit, include_subunits, exclude_employee_id)
    size = min(max(2 * (first + 1), CHUNK_MIN), CHUNK_MAX)
    found: list[Candidate] = []
    async for rows in _chunks(session, query, after_nip, size):
        found += await _judge(session, rows, period=period, today=today, names=names, versions=versions)
        if len(found) > first:
            return found[:first], True
    return found, False


async def count_rank_promotion_candidates(
    session: AsyncSession,
    *,
    period: dt.date,
    today: dt.date,
    visible: UnitCondition | None,
    unit: Unit | None = None,
    include_subunits: bool = True,
    exclude_employee_id: int | None = None,
) -> int:
    """How many candidates in all: every pre-filtered row is judged (three statements per 1,000 rows)."""
    query, names, versions = _prepared(period, today, visible, unit, include_subunits, exclude_employee_id)
    total = 0
    async for rows in _chunks(session, query, None, COUNT_CHUNK):
        total += len(await _judge(session, rows, period=period, today=today, names=names, versions=versions))
    return total


async def eligibility_explained(
    session: AsyncSession, employee_id: int, period: dt.date, *, today: dt.date
) -> list[GuardResult]:
    """Why one employee is or is not on the list: the list's own conditions, then every guard as it runs.

    The guards here are the real ones (``GUARDS``), with their per-employee queries, on a request effective
    on ``period`` that records the rule versions in force then; so a date that is not a period shows as a
    failed ``promotion_period`` rather than an error.
    """
    subject = await session.get(Employee, employee_id)
    if subject is None:
        raise EligibilityError(f"no employee has id {employee_id}")
    names = guard_names()
    try:
        versions = rule_versions(period, names)
    except RuleNotFound as exc:
        raise EligibilityError(f"period {period.isoformat()}: {exc}") from None
    ranked = subject.employment_type == "PNS" and subject.rank_code is not None and subject.status == "active"
    listed = [
        GuardResult(
            "pns_with_rank",
            ranked,
            f"{subject.name} is {subject.employment_type}, {subject.status}, rank {subject.rank_code or 'none'}",
        )
    ]
    open_id = await request_facts.open_request_about(session, KIND, employee_id)
    listed.append(
        GuardResult(
            "no_open_request",
            open_id is None,
            f"unfinished rank promotion request {open_id}" if open_id else "no unfinished rank promotion request",
        )
    )
    if subject.rank_code is None:
        return listed
    ctx = _context(session, subject, period, today, versions)
    return listed + [await GUARDS[name].check(ctx) for name in names]


# ---------------------------------------------------------------------------------------------- who sees it


def proposer_scope(viewer: Viewer) -> ReadScope:
    """The units where the viewer may propose rank promotions (the policy's ``rank_promotion, propose`` lines)."""
    enforcer = get_enforcer()
    grants = [g for g in viewer.grants if enforcer.permits(g.role, "rank_promotion", "propose") is not None]
    if any(g.unit_path is None for g in grants):
        return ReadScope(everything=True)
    paths = sorted({g.unit_path for g in grants if g.unit_path is not None})
    return ReadScope(unit_paths=tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))


def candidate_visibility(proposer: ReadScope, people: ReadScope) -> UnitCondition | None:
    """SQL on a unit id: in both the proposer scope and the registry scope (None: everywhere)."""
    if proposer.everything and people.everything:
        return None

    def clause(column: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        return and_(proposer.units_clause(column), people.units_clause(column))

    return clause
