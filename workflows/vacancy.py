"""Who could fill a vacancy, best fit first (issue 14 item 2). It advises; the guards decide.

The candidates are the people a placement into the position would pass every guard for, judged today:
the guards the PLACEMENT definition in force names (proposal and every action, those judging a step's own
input left out), run as they are (``GUARDS``) on facts read for all candidates at once (``facts_many``).
Among them, fit (``workflows.competency``) ranks: best fit first, ties by rank (higher first), seniority
in rank (earlier first), then NIP.

Who sees whom: the list is for those whose read scope (the registry read rule, ``policies.read``: the
policy's ``employee, read`` lines) covers the position's unit: BKD and other province-wide readers, a
unit head or unit HR for a position in their subtree. Anyone else gets an empty list (as with every list).
And a candidate is listed only if the viewer may read their file by the same rule (their post today
lies in the viewer's scope): the reasons name training, education and assessments, which are the file.
So someone who would pass the guards but sits outside the viewer's scope (a unit above theirs, or no
post) is not listed to that viewer and leaves no trace: no count, no gap in the order. The viewer is
never listed themself.

SQL narrows the rows first (active, holding on the day before a post in the position unit's line of the
tree or no post, which is what ``placement_within_unit`` lets through; not holding the post today; in a
blocking rank range), the guards judge every row that remains, and the ranking of everyone (who asks left
out) is kept per (position, day, data generation) (``workflows.vacancy_cache``): a request then reads
which of its rows the viewer may see (``potential_query``: readable, not the viewer) and pages the kept
ranking. Statements: a constant handful, whatever the number of candidates; a dozen more when the ranking
is computed.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.scope import registry_scope
from policies.viewer import Viewer
from server.domain.ranks import RANK_CODES, rank_index
from server.models import Assignment, Employee, Position, Unit, WorkflowRequest
from server.registry.queries import held_on, in_units, subtree_ids
from server.rules import RuleVersion, rules_for
from server.sql import one_of
from workflows import catalog, competency, facts_many, guards
from workflows.context import StepContext
from workflows.staff_lists import readable
from workflows.vacancy_cache import GenerationCache

KIND = "PLACEMENT"


@dataclass(frozen=True)
class Ranked:
    """A candidate in the ranking: who, how well they fit and why, and the sort key (also the cursor)."""

    employee_id: int
    fit: float
    reasons: tuple[str, ...]
    key: str


@dataclass(frozen=True)
class Candidate:
    employee: Employee
    fit: float
    reasons: tuple[str, ...]
    key: str  # the sort key, also the cursor


def guard_names() -> list[str]:
    """The previewable guards of the placement definition in force, proposal first, once each."""
    definition = catalog.current(KIND)
    names = list(definition.proposal.guards)
    for action in definition.actions:
        names += [g for g in action.guards if g not in names]
    return [n for n in names if not guards.GUARDS[n].judges_input]


def may_list(viewer: Viewer, unit: Unit) -> bool:
    """Whether the viewer's read scope covers the position's unit (the registry read rule)."""
    return viewer.authenticated and registry_scope(viewer).covers(unit.path)


def _line(unit: Unit) -> list[int]:
    """The ids of the units above ``unit`` and itself (from its materialised path)."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def _in_line_or_unposted(unit: Unit, day: dt.date) -> Select[Employee]:
    """Active people holding on ``day`` a post in the unit's line of the tree, or no post: whom
    ``placement_within_unit`` can let through."""
    holds_any = exists().where(Assignment.employee_id == Employee.id, Assignment.kind == "definitive", held_on(day))
    in_line = or_(Position.unit_id.in_(subtree_ids(unit.path)), Position.unit_id.in_(_line(unit)))
    return select(Employee).where(Employee.status == "active", or_(in_units(in_line, day), ~holds_any))


def narrowed(query: Select[Employee], position: Position, names: list[str], today: dt.date) -> Select[Employee]:
    """``query`` without the people a guard in ``names`` refuses for a reason SQL reads from the row alone
    (it only leaves out; the guards still judge everyone left): the post's holders today (``slot_vacant``),
    and ranks outside the position's range when ``placement.rank_range`` is blocking."""
    if "slot_vacant" in names:
        holds_it = exists().where(
            Assignment.employee_id == Employee.id,
            Assignment.position_id == position.id,
            Assignment.kind == "definitive",
            held_on(today),
        )
        query = query.where(~holds_it)
    ranged = position.min_rank is not None or position.max_rank is not None
    if "rank_in_position_range" in names and ranged and rules_for("placement.rank_range", today).flag("blocking"):
        low, high = rank_index(position.min_rank or "I/a"), rank_index(position.max_rank or "IV/e")
        query = query.where(Employee.rank_code.in_(RANK_CODES[low : high + 1]))
    return query


def potential_query(viewer: Viewer, unit: Unit, day: dt.date, today: dt.date) -> Select[Employee]:
    """Who can be a candidate, as far as SQL can tell: active, readable, in the unit's line or unposted."""
    query = _in_line_or_unposted(unit, day).where(readable(viewer, today))
    if viewer.employee_id is not None:
        query = query.where(Employee.id != viewer.employee_id)
    return query


def sort_key(fit: float, employee: Employee) -> str:
    """Best fit, higher rank, earlier in rank, NIP: as one string that sorts that way (and is the cursor)."""
    rank = rank_index(employee.rank_code) + 1 if employee.rank_code else 0
    since = employee.rank_since.toordinal() if employee.rank_since else 9_999_999
    return f"{10_000 - round(fit * 10_000):05d}.{99 - rank:02d}.{since:07d}.{employee.nip}"


@dataclass
class _Judged(StepContext):
    """A step context for one row of a batch: every row is judged on the same day under the same rule
    versions, so the rows share one lookup of each rule (``rules_for`` scans the catalogue)."""

    day: dt.date = dt.date.min
    shared: dict[str, RuleVersion] = field(default_factory=dict)

    @property
    def on(self) -> dt.date:
        return self.day

    def rule(self, name: str) -> RuleVersion:
        found = self.shared.get(name)
        if found is None:
            found = self.shared[name] = rules_for(name, self.day)
        return found


async def eligible(
    session: AsyncSession, rows: list[Employee], position: Position, names: list[str], today: dt.date
) -> list[Employee]:
    """The rows every guard passes for a placement into ``position`` judged today. One request (not stored)
    stands for all of them: the guards read the subject from the context, never from the request."""
    request = WorkflowRequest(
        kind=KIND, position_id=position.id, effective_date=today, rule_versions={}, data={}, subject_employee_id=None
    )
    shared: dict[str, RuleVersion] = {}
    contexts = {row.id: _Judged(session, request, row, position, None, today, day=today, shared=shared) for row in rows}
    asked = {rid: guards.questions(names, ctx) for rid, ctx in contexts.items()}
    answers = await facts_many.answer_many(session, [q for qs in asked.values() for q in qs])
    out = []
    for row in rows:
        ctx = contexts[row.id]
        ctx.known({q: answers[q] for q in asked[row.id]})
        results = [await guards.GUARDS[name].check(ctx) for name in names]
        if not any(r.refuses for r in results):
            out.append(row)
    return out


async def rank(session: AsyncSession, rows: list[Employee], position: Position, today: dt.date) -> list[Ranked]:
    """``rows`` a placement into ``position`` would pass every guard for today, scored, best first."""
    if not rows:
        return []
    passing = await eligible(session, rows, position, guard_names(), today)
    known = await competency.catalogue(session)
    needs = (await competency.requirements(session, [position], known))[position.id]
    has = await competency.held(session, passing, today, known)
    out = []
    for row in passing:
        found = competency.fit(needs, has[row.id])
        out.append(Ranked(row.id, found.score, found.reasons, sort_key(found.score, row)))
    return sorted(out, key=lambda c: c.key)


_RANKED: GenerationCache[list[Ranked]] = GenerationCache()


async def vacancy_candidates(
    session: AsyncSession, viewer: Viewer, position: Position, unit: Unit, *, today: dt.date
) -> list[Ranked]:
    """Every candidate the viewer may see, best first (the caller pages by ``key``).

    Everyone's ranking (``rank`` over ``_in_line_or_unposted``, who asks left out) is kept per data
    generation (``workflows.vacancy_cache``); the viewer's rows (``potential_query``) pick theirs from it,
    in the same order: each row is judged on its own, so leaving rows out changes no other row's answer."""
    if not may_list(viewer, unit):
        return []
    day, names = today - dt.timedelta(days=1), guard_names()

    async def everyone() -> list[Ranked]:
        query = narrowed(_in_line_or_unposted(unit, day), position, names, today)
        return await rank(session, list((await session.execute(query)).scalars()), position, today)

    every = await _RANKED.get(session, (position.id, today, tuple(names)), everyone)
    if not every:
        return []
    if registry_scope(viewer).everything:  # readable is true: the viewer's rows are everyone's but their own
        return [c for c in every if c.employee_id != viewer.employee_id]
    mine = potential_query(viewer, unit, day, today).with_only_columns(Employee.id)
    visible = set((await session.execute(mine)).scalars())
    return [c for c in every if c.employee_id in visible]


async def page(
    session: AsyncSession, found: list[Ranked], first: int, after: str | None
) -> tuple[list[Candidate], bool]:
    """Keyset: the candidates strictly after the ``after`` key, ``first`` of them with their rows, and
    whether more follow."""
    start = 0 if after is None else bisect.bisect_right([c.key for c in found], after)
    chosen = found[start : start + first]
    if not chosen:
        return [], False
    wanted = [c.employee_id for c in chosen]
    rows = (await session.execute(select(Employee).where(one_of(session, Employee.id, wanted)))).scalars()
    by_id = {row.id: row for row in rows}
    picked = [Candidate(by_id[c.employee_id], c.fit, c.reasons, c.key) for c in chosen if c.employee_id in by_id]
    return picked, len(found) > start + first
