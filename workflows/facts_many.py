"""The facts of many requests at once, for previewing a page's guards in a constant number of statements.

A step asks its guards' questions in one UNION ALL (``facts.answer``): right for one request, wrong for a
page, whose UNION would grow with the page (SQLite caps a compound SELECT at 500 terms). Here the
questions are grouped by kind instead: one statement per kind reads the rows of every question of that
kind (the employees' or positions' rows over the union of the dates asked), and each question's answer
is then picked out in Python with the same conditions its own SQL applies. The statement count depends
on which kinds are asked, never on how many requests ask them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Assignment, DisciplinarySanction, EvaluationResult, Position, Unit
from server.registrar import registrar
from server.sql import one_of
from workflows import facts
from workflows.repository import request_facts

Batch = Callable[[AsyncSession, Sequence[Any]], Awaitable[dict[Any, Any]]]
_BATCHES: dict[type[facts.Question[Any]], Batch] = {}
batch = registrar(_BATCHES)  # ``@batch(kind)``: the reader answering every question of ``kind`` of a page together


def _covers(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    return start <= on and (end is None or end >= on)


@batch(facts.SlotOf)
async def _slots(session: AsyncSession, questions: Sequence[facts.SlotOf]) -> dict[Any, Any]:
    positions = [q.position_id for q in questions]
    low, high = min(q.on for q in questions), max(q.on for q in questions)
    held = (
        await session.execute(
            select(Assignment.position_id, Assignment.employee_id, Assignment.start_date, Assignment.end_date).where(
                one_of(session, Assignment.position_id, positions),
                Assignment.kind == "definitive",
                Assignment.start_date <= high,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= low),
            )
        )
    ).all()
    waiting = await request_facts.holding_slots(session, positions)
    return {
        q: facts.Slot(
            holders=[r.employee_id for r in held if r.position_id == q.position_id and _covers(r[2], r[3], q.on)],
            pending=sum(1 for p, r in waiting if p == q.position_id and r != q.exclude_request_id),
        )
        for q in questions
    }


@batch(facts.HistoryOf)
async def _histories(session: AsyncSession, questions: Sequence[facts.HistoryOf]) -> dict[Any, Any]:
    rows = await session.execute(
        select(
            Assignment.employee_id,
            Assignment.position_id,
            Position.type,
            Position.min_rank,
            Position.job_class,
            Assignment.start_date,
            Assignment.end_date,
            Position.unit_id,
            Position.max_rank,
            Unit.code,
            Unit.path,
        )
        .join(Position, Position.id == Assignment.position_id)
        .join(Unit, Unit.id == Position.unit_id)
        .where(one_of(session, Assignment.employee_id, [q.employee_id for q in questions]))
        .where(Assignment.kind == "definitive")
    )
    stints: dict[int, list[facts.Stint]] = defaultdict(list)
    for r in rows:
        stints[r[0]].append(facts.Stint(*r[1:]))
    return {q: sorted(stints.get(q.employee_id, []), key=lambda s: s.start) for q in questions}


@batch(facts.UnitOf)
async def _units(session: AsyncSession, questions: Sequence[facts.UnitOf]) -> dict[Any, Any]:
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.path).where(one_of(session, Unit.id, [q.unit_id for q in questions]))
    )
    found = {r.id: facts.UnitRow(r.code, r.path) for r in rows}
    return {q: found.get(q.unit_id) for q in questions}


@batch(facts.PredicatesOf)
async def _predicates(session: AsyncSession, questions: Sequence[facts.PredicatesOf]) -> dict[Any, Any]:
    years = {y for q in questions for y in q.years}
    rows = await session.execute(
        select(EvaluationResult.employee_id, EvaluationResult.year, EvaluationResult.predicate).where(
            one_of(session, EvaluationResult.employee_id, [q.employee_id for q in questions]),
            one_of(session, EvaluationResult.year, years),
        )
    )
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for employee_id, year, predicate in rows:
        found[employee_id][year] = predicate
    return {q: {y: p for y, p in found.get(q.employee_id, {}).items() if y in q.years} for q in questions}


@batch(facts.SanctionsOf)
async def _sanctions(session: AsyncSession, questions: Sequence[facts.SanctionsOf]) -> dict[Any, Any]:
    severities = {s for q in questions for s in q.severities}
    low, high = min(q.start for q in questions), max(q.end for q in questions)
    rows = await session.execute(
        select(
            DisciplinarySanction.employee_id,
            DisciplinarySanction.id,
            DisciplinarySanction.severity,
            DisciplinarySanction.start_date,
            DisciplinarySanction.end_date,
            DisciplinarySanction.decree_no,
        ).where(
            one_of(session, DisciplinarySanction.employee_id, [q.employee_id for q in questions]),
            one_of(session, DisciplinarySanction.severity, severities),
            DisciplinarySanction.start_date <= high,
            or_(DisciplinarySanction.end_date.is_(None), DisciplinarySanction.end_date >= low),
        )
    )
    by_employee: dict[int, list[facts.Sanction]] = defaultdict(list)
    for r in rows:  # grouped first: a page of 5,000 questions must not scan every row for each
        by_employee[r[0]].append(facts.Sanction(*r[1:]))
    return {
        q: sorted(
            (
                s
                for s in by_employee.get(q.employee_id, ())
                if s.severity in q.severities
                and s.start_date <= q.end
                and (s.end_date is None or s.end_date >= q.start)
            ),
            key=lambda s: s.id,
        )
        for q in questions
    }


async def answer_many(session: AsyncSession, questions: Iterable[facts.Question[Any]]) -> dict[Any, Any]:
    """The answers to ``questions`` of any number of requests: one reader (a statement or a few) per kind."""
    by_kind: dict[type[facts.Question[Any]], list[facts.Question[Any]]] = defaultdict(list)
    for question in dict.fromkeys(questions):
        by_kind[type(question)].append(question)
    answers: dict[Any, Any] = {}
    for kind, asked in by_kind.items():
        reader = _BATCHES.get(kind)
        if reader is None:
            raise LookupError(f"no batched reader answers {kind.__name__} questions")
        answers.update(await reader(session, asked))
    return answers
