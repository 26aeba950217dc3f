"""No conflict of interest in a transfer (DOMAIN.md workflow 2): no declared relative in the line of command.

The employee's declared family ties (``family_relations``, read both ways) are compared with the people
the target post would put directly above and below them on the effective date: the holder of the nearest
held managerial post above the target (their supervisor-to-be, found as ``policies.relations`` finds a
supervisor), and, when the target is managerial, the holders of the posts directly beneath it (their
reports-to-be).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from policies.relations import supervisors_of_posts
from server.models import Assignment, Employee, FamilyRelation, Position
from server.sql import one_of
from workflows import facts, facts_many
from workflows.context import StepContext
from workflows.guards import GuardResult, _result, guard

RULE = "transfer.conflict_of_interest"
NAME = "no_conflict_of_interest"


@dataclass(frozen=True)
class LineOfCommand:
    """The employee's declared relatives (id -> tie, id -> name), and who would be directly above and below
    them in the target post on the date (checked only when they have relatives in the service)."""

    relatives: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    above: int | None = None
    below: tuple[int, ...] = ()


@dataclass(frozen=True)
class LineOfCommandOf(facts.Question[LineOfCommand]):
    """``LineOfCommand`` of ``employee_id`` moving into ``position_id`` on ``on``. Answered by its own reader
    (a few statements, the same for one request or a page), not in a step's UNION."""

    unioned = False
    employee_id: int
    position_id: int
    managerial: bool
    on: dt.date
    kinds: tuple[str, ...]

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        raise NotImplementedError("answered by conflict_of_interest.lines_of_command")

    def params(self, tag: int) -> dict[str, Any]:
        raise NotImplementedError("answered by conflict_of_interest.lines_of_command")

    def answer(self, rows: Sequence[Row[Any]]) -> LineOfCommand:
        raise NotImplementedError("answered by conflict_of_interest.lines_of_command")


@facts_many.batch(LineOfCommandOf)
async def lines_of_command(session: AsyncSession, questions: Sequence[LineOfCommandOf]) -> dict[Any, Any]:
    """Relatives first (one statement); the posts above and below only for those who have any (three more)."""
    subjects = {q.employee_id for q in questions}
    declarer, relative = aliased(Employee), aliased(Employee)
    rows = await session.execute(
        select(
            FamilyRelation.employee_id, FamilyRelation.relative_id, FamilyRelation.kind, declarer.name, relative.name
        )
        .join(declarer, declarer.id == FamilyRelation.employee_id)
        .join(relative, relative.id == FamilyRelation.relative_id)
        .where(
            or_(
                one_of(session, FamilyRelation.employee_id, subjects),
                one_of(session, FamilyRelation.relative_id, subjects),
            )
        )
    )
    ties: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for one, other, kind, one_name, other_name in rows:
        ties[one].append((other, kind, other_name))
        ties[other].append((one, kind, one_name))
    asked = {q: [t for t in ties.get(q.employee_id, []) if t[1] in q.kinds] for q in questions}
    tied = [q for q in questions if asked[q]]
    above = await supervisors_of_posts(session, [(q.employee_id, q.position_id, q.on) for q in tied])
    below = await _reports(session, [q for q in tied if q.managerial])
    return {
        q: LineOfCommand(
            relatives={who: kind for who, kind, _ in asked[q]},
            names={who: name for who, _, name in asked[q]},
            above=above.get((q.employee_id, q.position_id, q.on)),
            below=tuple(below.get(q, ())),
        )
        for q in questions
    }


async def _reports(session: AsyncSession, questions: Sequence[LineOfCommandOf]) -> dict[LineOfCommandOf, list[int]]:
    """Holders on each question's date of the posts directly beneath its target post."""
    if not questions:
        return {}
    low, high = min(q.on for q in questions), max(q.on for q in questions)
    rows = (
        await session.execute(
            select(Position.parent_position_id, Assignment.employee_id, Assignment.start_date, Assignment.end_date)
            .join(Position, Position.id == Assignment.position_id)
            .where(
                one_of(session, Position.parent_position_id, [q.position_id for q in questions]),
                Assignment.kind == "definitive",
                Assignment.start_date <= high,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= low),
            )
        )
    ).all()
    return {
        q: [
            int(r.employee_id)
            for r in rows
            if r.parent_position_id == q.position_id
            and r.start_date <= q.on
            and (r.end_date is None or r.end_date >= q.on)
        ]
        for q in questions
    }


def _line(ctx: StepContext) -> LineOfCommandOf | None:
    target = ctx.position
    if target is None:
        return None
    kinds = tuple(ctx.rule(RULE)["kinds"])
    return LineOfCommandOf(ctx.subject.id, target.id, bool(target.managerial), ctx.on, kinds)


@guard(NAME, RULE, reads=_line)
async def no_conflict_of_interest(ctx: StepContext) -> GuardResult:
    rule = ctx.rule(RULE)
    target, question = ctx.position, _line(ctx)
    if target is None or question is None:
        return _result(ctx, NAME, rule.name, True, "no target post")
    line = await ctx.fact(question)
    relatives = line.relatives
    if not relatives:
        return _result(ctx, NAME, rule.name, True, f"{ctx.subject.name} has declared no relatives in the service")
    clashes = [("supervisor", line.above)] if line.above in relatives else []
    clashes += [("subordinate", who) for who in line.below if who in relatives and who != ctx.subject.id]
    if not clashes:
        return _result(ctx, NAME, rule.name, True, f"no declared relative directly above or below {target.code}")
    said = "; ".join(
        f"their {relatives[who]} {line.names.get(who, who)} would be their direct {role}"
        for role, who in clashes
        if who is not None
    )
    return _result(ctx, NAME, rule.name, False, f"in {target.code} on {ctx.on}: {said}")
