"""``publicStatistics(unitCode, year)``: a unit's figures for anyone, with no person recognisable in them.

BKD publishes how each unit is staffed and served (DOMAIN.md, the transparency page). Every figure is an
aggregate computed in SQL over the unit's *own* positions and staff (not its subunits: see below), and
every figure that counts people is **suppressed** (None) when it counts 1 to 4 of them:

- ``positions`` and ``quota`` count posts (the approved formasi, already public): never suppressed;
- ``filled`` counts the people holding the unit's posts on the day (31 December of the year, or today in
  the current year); ``vacancies`` is suppressed with it, or ``quota - vacancies`` would give it back;
- ``evaluations``: how many of the unit's staff on that day got each final predicate of the year; when
  exactly one predicate's count is suppressed, the smallest other non-zero count is suppressed too, or
  ``filled`` less the others would give it back (complementary suppression); when no non-zero count is
  left shown, the zeros are hidden too, or they would say the whole staff is in the hidden cells;
- ``trainingHoursMean``: the mean verified training hours of the year over the staff, None for fewer than
  5 people (a mean of one person is their hours);
- ``requestsDecided``: the unit's requests ended in the year (terminal, not withdrawn), suppressed under 5;
  ``medianDaysToDecision`` from their proposal to their end, None under 5.

Zero is shown: it names nobody. A unit's figures cover only the unit itself, so a parent's figures never
contain a child's and no subtraction of two published figures isolates a small group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.predicates import PREDICATES
from server.models import Assignment, EvaluationResult, Position, TrainingRecord, Unit
from server.registry.queries import definitive_holder_count, held_on
from workflows.repository import request_facts

MIN_PEOPLE = 5
JAKARTA = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class Statistics:
    """A unit's public figures for a year; None where a count of people was suppressed."""

    unit_code: str
    year: int
    positions: int
    quota: int
    filled: int | None
    vacancies: int | None
    evaluations: tuple[tuple[str, int | None], ...]
    training_hours_mean: float | None
    requests_decided: int | None
    median_days_to_decision: float | None


def suppressed(count: int) -> int | None:
    """A count of people as published: None for 1-4 people, the count otherwise (zero names nobody)."""
    return None if 0 < count < MIN_PEOPLE else count


def suppress_distribution(counts: dict[str, int]) -> dict[str, int | None]:
    """Each count ``suppressed``; if that hid exactly one, the smallest other non-zero count too.

    When no non-zero count is left shown, every count is hidden: the zeros beside the hidden cells would say
    that the whole group is in them (a unit of one whose predicate is *Sangat Kurang* would read 0, 0, 0, 0,
    hidden: that one person's predicate; a unit of five with 2 *Kurang* and 3 *Sangat Kurang* would say all
    five were rated low).
    """
    shown = {k: suppressed(v) for k, v in counts.items()}
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if others:
            shown[others[0][1]] = None
    if hidden and not any(shown.values()):
        return dict.fromkeys(counts)
    return shown


def judged_on(year: int, today: dt.date) -> dt.date:
    """The day a year's staffing is read on: its last day, or today while the year runs."""
    return min(dt.date(year, 12, 31), today)


def _staff(unit: Unit, day: dt.date) -> Select[int]:
    """Employee ids holding one of the unit's own posts definitively on ``day``."""
    return (
        select(Assignment.employee_id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Position.unit_id == unit.id, Assignment.kind == "definitive", held_on(day))
        .distinct()
    )


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year in Jakarta, as UTC instants (timestamps are stored in UTC)."""
    start = dt.datetime(year, 1, 1, tzinfo=JAKARTA).astimezone(dt.UTC)
    return start, dt.datetime(year + 1, 1, 1, tzinfo=JAKARTA).astimezone(dt.UTC)


async def _posts(session: AsyncSession, unit: Unit, day: dt.date) -> tuple[int, int, int, int]:
    held = definitive_holder_count(day).label("held")
    per_post = select(Position.quota, held).where(Position.unit_id == unit.id).subquery()
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(per_post.c.quota), 0),
                func.coalesce(func.sum(per_post.c.held), 0),
                func.coalesce(
                    func.sum(case((per_post.c.quota > per_post.c.held, per_post.c.quota - per_post.c.held), else_=0)),
                    0,
                ),
            ).select_from(per_post)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


async def _evaluations(session: AsyncSession, unit: Unit, year: int, day: dt.date) -> dict[str, int]:
    rows = await session.execute(
        select(EvaluationResult.predicate, func.count())
        .where(EvaluationResult.year == year, EvaluationResult.employee_id.in_(_staff(unit, day)))
        .group_by(EvaluationResult.predicate)
    )
    found = {str(p): int(n) for p, n in rows}
    return {p: found.get(p, 0) for p in PREDICATES}


async def _training(session: AsyncSession, unit: Unit, year: int, day: dt.date) -> tuple[int, float | None]:
    staff = _staff(unit, day).subquery()
    hours = (
        select(TrainingRecord.employee_id, func.sum(TrainingRecord.hours).label("hours"))
        .where(
            TrainingRecord.employee_id.in_(_staff(unit, day)),  # the unit's records only, not the province's
            TrainingRecord.verified.is_(True),
            TrainingRecord.date >= dt.date(year, 1, 1),
            TrainingRecord.date <= dt.date(year, 12, 31),
        )
        .group_by(TrainingRecord.employee_id)
        .subquery()
    )
    row = (
        await session.execute(
            select(func.count(), func.avg(func.coalesce(hours.c.hours, 0))).select_from(
                staff.outerjoin(hours, hours.c.employee_id == staff.c.employee_id)
            )
        )
    ).one()
    return int(row[0]), (float(row[1]) if row[1] is not None else None)


async def _decisions(session: AsyncSession, unit: Unit, year: int) -> tuple[int, float | None]:
    """The unit's requests ended in ``year`` (not withdrawn) and the median of their days, in one statement."""
    start, end = _year_bounds(year)
    return await request_facts.decisions_of_unit(session, unit.id, start, end)


async def public_statistics(session: AsyncSession, unit: Unit, year: int, today: dt.date) -> Statistics:
    """The unit's public figures for ``year``: five statements, whatever the unit's size."""
    day = judged_on(year, today)
    positions, quota, filled, vacancies = await _posts(session, unit, day)
    staff, mean = await _training(session, unit, year, day)
    decided, median = await _decisions(session, unit, year)
    shown_filled = suppressed(filled)
    return Statistics(
        unit_code=unit.code,
        year=year,
        positions=positions,
        quota=quota,
        filled=shown_filled,
        vacancies=vacancies if shown_filled is not None else None,
        evaluations=tuple(suppress_distribution(await _evaluations(session, unit, year, day)).items()),
        training_hours_mean=round(mean, 1) if mean is not None and staff >= MIN_PEOPLE else None,
        requests_decided=suppressed(decided),
        median_days_to_decision=round(median, 1) if median is not None and decided >= MIN_PEOPLE else None,
    )
