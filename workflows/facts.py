"""The queries guards and effects read: assignments, holders, predicates, sanctions. All SQL of them is here.

Guards ask ``Question``s (``SlotOf``, ``HistoryOf``, ``PredicatesOf``, ``SanctionsOf``); ``answer`` answers
any number of them in one statement, so a step's guards cost one round trip together.
"""

from __future__ import annotations

import datetime as dt
import functools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import BindParameter
from sqlalchemy.types import TypeEngine

from server.driver import fetch
from server.models import Assignment, DisciplinarySanction, EvaluationResult, Position, Unit
from server.sql import InParam
from workflows.repository import request_facts

T = TypeVar("T")


@dataclass(frozen=True)
class Stint:
    """A period in a position, for experience and years-in-post rules."""

    position_id: int
    position_type: str
    min_rank: str | None
    job_class: int | None
    start: dt.date
    end: dt.date | None
    unit_id: int | None = None
    max_rank: str | None = None
    unit_code: str | None = None
    unit_path: str | None = None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February lands on 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    return years - 1 if (end.month, end.day) < (start.month, start.day) else years


def years_between(start: dt.date, end: dt.date) -> float:
    return max((end - start).days, 0) / 365.25


def covering(on: dt.date | ColumnElement[dt.date]) -> list[ColumnElement[bool]]:
    """SQL: a definitive assignment covering ``on``."""
    return [
        Assignment.kind == "definitive",
        Assignment.start_date <= on,
        or_(Assignment.end_date.is_(None), Assignment.end_date >= on),
    ]


def stint_on(history: Sequence[Stint], on: dt.date) -> Stint | None:
    for stint in history:
        if stint.start <= on and (stint.end is None or stint.end >= on):
            return stint
    return None


def years_in(history: Sequence[Stint], types: Sequence[str], until: dt.date) -> float:
    """Years spent in positions of ``types`` up to ``until``."""
    total = 0.0
    for stint in history:
        if stint.position_type in types and stint.start < until:
            end = min(stint.end or until, until)
            total += years_between(stint.start, end)
    return total


# Statements used on every step are built once, with their parameters bound at execution.
_HOLDERS = select(Assignment.employee_id).where(
    Assignment.position_id == bindparam("position_id"), *covering(bindparam("on", type_=Date))
)


async def holders_on(session: AsyncSession, position_id: int, on: dt.date) -> list[int]:
    """Employee ids holding ``position_id`` definitively on ``on``."""
    rows = await session.execute(_HOLDERS, {"position_id": position_id, "on": on})
    return [r[0] for r in rows]


# ---------------------------------------------------------------------------------------------- questions
#
# Guards read facts by asking questions: hashable values, so a step asks each once (``StepContext.fact``),
# and a step's guards name theirs up front so that all of them are answered by one statement. Every
# question's rows have one shape, so that several questions make one UNION ALL: a tag (the question's
# place in the statement), two integers, two strings and two dates; a branch leaves the columns it does
# not use NULL, cast to the column's type (PostgreSQL matches a UNION's column types pairwise).

_SHAPE: tuple[tuple[str, type[TypeEngine[Any]]], ...] = (
    ("n1", Integer),
    ("n2", Integer),
    ("n3", Integer),
    ("s1", String),
    ("s3", String),
    ("s4", String),
    ("s5", String),
    ("s2", String),
    ("d1", Date),
    ("d2", Date),
)


def _row(tag: int, **columns: ColumnElement[Any] | QueryableAttribute[Any]) -> list[ColumnElement[Any]]:
    """The common row shape: ``columns`` by name (n1, n2, n3, s1..s5, d1, d2), the others NULL."""
    out: list[ColumnElement[Any]] = [literal_column(str(tag), Integer).label("tag")]
    for name, type_ in _SHAPE:
        column = columns.get(name)
        out.append((column if column is not None else sql_cast(null(), type_)).label(name))
    return out


class Question(ABC, Generic[T]):
    """A fact guards read. ``branches`` are its SELECTs in the common row shape (parameter names end in
    the tag), ``params`` their values, ``answer`` turns its rows back into the fact. A question that does
    not fit the shape sets ``unioned = False`` and is answered by its reader in ``workflows.facts_many``."""

    unioned: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def branches(cls, tag: int) -> list[Select[Any]]: ...

    @abstractmethod
    def params(self, tag: int) -> dict[str, Any]: ...

    @abstractmethod
    def answer(self, rows: Sequence[Row[Any]]) -> T: ...


@dataclass(frozen=True)
class Slot:
    """Who fills a position: its definitive holders on the day, and requests decided into it (they hold a
    slot until they take effect, so two decisions cannot fill one vacancy)."""

    holders: list[int]
    pending: int


@dataclass(frozen=True)
class SlotOf(Question[Slot]):
    """``Slot`` of ``position_id`` on ``on``, not counting the request ``exclude_request_id`` (the one asking)."""

    position_id: int
    on: dt.date
    exclude_request_id: int | None

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        position: BindParameter[int] = bindparam(f"position_{tag}", type_=Integer)
        on: BindParameter[dt.date] = bindparam(f"on_{tag}", type_=Date)
        holders = select(*_row(tag, n1=Assignment.employee_id)).where(Assignment.position_id == position, *covering(on))
        pending = request_facts.holding_slot_count(_row(tag, n2=func.count()), position, bindparam(f"exclude_{tag}"))
        return [holders, pending]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"position_{tag}": self.position_id, f"on_{tag}": self.on, f"exclude_{tag}": self.exclude_request_id}

    def answer(self, rows: Sequence[Row[Any]]) -> Slot:
        return Slot(holders=[r.n1 for r in rows if r.n2 is None], pending=next(r.n2 for r in rows if r.n2 is not None))


@dataclass(frozen=True)
class HistoryOf(Question[list[Stint]]):
    """The employee's definitive posts, oldest first."""

    employee_id: int

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        columns = _row(
            tag,
            n1=Assignment.position_id,
            n2=Position.job_class,
            n3=Position.unit_id,
            s1=Position.type,
            s2=Position.min_rank,
            s3=Position.max_rank,
            s4=Unit.code,
            s5=Unit.path,
            d1=Assignment.start_date,
            d2=Assignment.end_date,
        )
        return [
            select(*columns)
            .select_from(Assignment)
            .join(Position, Position.id == Assignment.position_id)
            .join(Unit, Unit.id == Position.unit_id)
            .where(Assignment.employee_id == bindparam(f"employee_{tag}"), Assignment.kind == "definitive")
        ]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"employee_{tag}": self.employee_id}

    def answer(self, rows: Sequence[Row[Any]]) -> list[Stint]:
        return sorted(
            (Stint(r.n1, r.s1, r.s2, r.n2, r.d1, r.d2, r.n3, r.s3, r.s4, r.s5) for r in rows), key=lambda s: s.start
        )


@dataclass(frozen=True)
class UnitRow:
    code: str
    path: str


@dataclass(frozen=True)
class UnitOf(Question[UnitRow | None]):
    """A unit's code and materialised path (a subtree is a prefix of it)."""

    unit_id: int

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        return [select(*_row(tag, s1=Unit.code, s2=Unit.path)).where(Unit.id == bindparam(f"unit_{tag}"))]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"unit_{tag}": self.unit_id}

    def answer(self, rows: Sequence[Row[Any]]) -> UnitRow | None:
        return UnitRow(rows[0].s1, rows[0].s2) if rows else None


@dataclass(frozen=True)
class PredicatesOf(Question[dict[int, str]]):
    """The employee's final evaluation predicates of ``years``, by year (a year without one is missing)."""

    employee_id: int
    years: tuple[int, ...]

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        return [
            select(*_row(tag, n1=EvaluationResult.year, s1=EvaluationResult.predicate)).where(
                EvaluationResult.employee_id == bindparam(f"employee_{tag}"),
                InParam(EvaluationResult.year, f"years_{tag}"),
            )
        ]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"employee_{tag}": self.employee_id, f"years_{tag}": list(self.years)}

    def answer(self, rows: Sequence[Row[Any]]) -> dict[int, str]:
        return {r.n1: r.s1 for r in rows}


async def final_predicate(session: AsyncSession, employee_id: int, year: int) -> str | None:
    """The employee's final predicate of ``year``, if the year's evaluation is final."""
    return (await ask(session, PredicatesOf(employee_id, (year,)))).get(year)


@dataclass(frozen=True)
class Sanction:
    """A disciplinary sanction as guards read it (a row, not the ORM object)."""

    id: int
    severity: str
    start_date: dt.date
    end_date: dt.date | None
    decree_no: str | None


@dataclass(frozen=True)
class SanctionsOf(Question[list[Sanction]]):
    """The employee's sanctions of ``severities`` running at any time from ``start`` to ``end``, oldest id
    first (the guard names the first)."""

    employee_id: int
    start: dt.date
    end: dt.date
    severities: tuple[str, ...]

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        columns = _row(
            tag,
            n1=DisciplinarySanction.id,
            s1=DisciplinarySanction.severity,
            s2=DisciplinarySanction.decree_no,
            d1=DisciplinarySanction.start_date,
            d2=DisciplinarySanction.end_date,
        )
        return [
            select(*columns).where(
                DisciplinarySanction.employee_id == bindparam(f"employee_{tag}"),
                InParam(DisciplinarySanction.severity, f"severities_{tag}"),
                DisciplinarySanction.start_date <= bindparam(f"end_{tag}", type_=Date),
                or_(
                    DisciplinarySanction.end_date.is_(None),
                    DisciplinarySanction.end_date >= bindparam(f"start_{tag}", type_=Date),
                ),
            )
        ]

    def params(self, tag: int) -> dict[str, Any]:
        return {
            f"employee_{tag}": self.employee_id,
            f"severities_{tag}": list(self.severities),
            f"start_{tag}": self.start,
            f"end_{tag}": self.end,
        }

    def answer(self, rows: Sequence[Row[Any]]) -> list[Sanction]:
        return sorted((Sanction(r.n1, r.s1, r.d1, r.d2, r.s2) for r in rows), key=lambda s: s.id)


@functools.cache
def _statement(kinds: tuple[type[Question[Any]], ...]) -> Select[Any] | CompoundSelect[Any]:
    """The statement answering questions of ``kinds`` in that order, built once per combination."""
    selects = [branch for tag, kind in enumerate(kinds) for branch in kind.branches(tag)]
    return selects[0] if len(selects) == 1 else union_all(*selects)


async def answer(session: AsyncSession, questions: Iterable[Question[Any]]) -> dict[Question[Any], Any]:
    """The answers to ``questions``, all from one statement."""
    asked = list(dict.fromkeys(questions))
    if not asked:
        return {}
    params: dict[str, Any] = {}
    for tag, question in enumerate(asked):
        params.update(question.params(tag))
    rows: list[list[Row[Any]]] = [[] for _ in asked]
    for row in await fetch(session, _statement(tuple(type(q) for q in asked)), params):
        rows[row.tag].append(row)
    return {question: question.answer(rows[tag]) for tag, question in enumerate(asked)}


async def ask(session: AsyncSession, question: Question[T]) -> T:
    """The answer to one question."""
    return cast(T, (await answer(session, [question]))[question])
