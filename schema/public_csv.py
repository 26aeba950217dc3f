"""``GET /public/statistics.csv?unit=CODE&year=YYYY``: ``publicStatistics`` as a CSV download, for anyone.

The same figures as the GraphQL field (``workflows.public_statistics``), one header row and one data row;
a suppressed figure is an empty cell. Cells go through ``server.csv_safe`` (a unit code is text someone
typed). Anonymous downloads share the GraphQL endpoint's rate limit (``schema.ratelimit``).
"""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.clock import service_today
from server.csv_safe import neutralise
from server.db import Database
from server.registry import queries as q
from server.settings import Settings
from workflows import public_statistics as stats

PATH = "/public/statistics.csv"
_HEADERS = {"cache-control": "no-store"}


def _cell(value: object) -> str:
    return "" if value is None else neutralise(str(value))


def to_csv(found: stats.Statistics) -> str:
    """The header row and the data row of ``found``."""
    columns: list[tuple[str, object]] = [
        ("unitCode", found.unit_code),
        ("year", found.year),
        ("positions", found.positions),
        ("quota", found.quota),
        ("filled", found.filled),
        ("vacancies", found.vacancies),
        *((f"evaluations:{predicate}", count) for predicate, count in found.evaluations),
        ("trainingHoursMean", found.training_hours_mean),
        ("requestsDecided", found.requests_decided),
        ("medianDaysToDecision", found.median_days_to_decision),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    writer.writerow([_cell(value) for _, value in columns])
    return out.getvalue()


def public_routes(settings: Settings, db: Database) -> list[BaseRoute]:
    async def statistics_csv(request: Request) -> Response:
        today = service_today(settings)
        code = request.query_params.get("unit", "")
        raw_year = request.query_params.get("year", str(today.year))
        if not raw_year.isdigit() or not 2000 <= int(raw_year) <= today.year:
            return JSONResponse({"error": f"year={raw_year!r}: give a year 2000-{today.year}"}, 400, _HEADERS)
        async with db.read() as session:
            unit = await q.unit_by_code(session, code)
            if unit is None:
                return JSONResponse({"error": f"unit={code!r}: no unit has this code"}, 404, _HEADERS)
            found = await stats.public_statistics(session, unit, int(raw_year), today)
        name = f"asnflow-statistics-{unit.code}-{raw_year}.csv".replace('"', "")
        return Response(
            to_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"', **_HEADERS},
        )

    return [Route(PATH, statistics_csv)]
