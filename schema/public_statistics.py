"""Root field ``publicStatistics`` (API.md round 2): a unit's public figures, for anyone, anonymous included.

Resolvers only translate: the figures and their small-count suppression are ``workflows.public_statistics``.
Nothing here reads or returns a person: no name, no NIP, only counts, a mean and a median.
"""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.errors import PublicError
from server.registry import queries as q
from workflows import public_statistics as stats


@strawberry.type
class PredicateCount:
    predicate: str
    count: int | None


@strawberry.type
class PublicStatistics:
    unit_code: str
    year: int
    positions: int
    quota: int
    filled: int | None
    vacancies: int | None
    evaluations: list[PredicateCount]
    training_hours_mean: float | None
    requests_decided: int | None
    median_days_to_decision: float | None

    @classmethod
    def of(cls, found: stats.Statistics) -> PublicStatistics:
        return cls(
            unit_code=found.unit_code,
            year=found.year,
            positions=found.positions,
            quota=found.quota,
            filled=found.filled,
            vacancies=found.vacancies,
            evaluations=[PredicateCount(predicate=p, count=n) for p, n in found.evaluations],
            training_hours_mean=found.training_hours_mean,
            requests_decided=found.requests_decided,
            median_days_to_decision=found.median_days_to_decision,
        )


@strawberry.type
class PublicStatisticsQuery:
    @strawberry.field
    async def public_statistics(self, info: Info, unit_code: str, year: int | None = None) -> PublicStatistics | None:
        ctx = info.context
        asked = ctx.today.year if year is None else year
        if not 2000 <= asked <= ctx.today.year:
            raise PublicError(f"year: {asked} must be between 2000 and {ctx.today.year}")
        async with ctx.db.read() as s:
            unit = await q.unit_by_code(s, unit_code)
            if unit is None:
                return None
            return PublicStatistics.of(await stats.public_statistics(s, unit, asked, ctx.today))
