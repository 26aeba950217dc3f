"""Public statistics as an anonymous client: a unit's figures with no person in them, over GraphQL and CSV.

Counts of 1 to 4 people are hidden (null); ``vacancies`` hides with ``filled``; a predicate count hidden
alone takes the smallest other one with it; requests decided and the median days to a decision come from
requests that ended in the year (Jakarta's calendar)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace

import httpx

from schema.app import create_app
from server.models import Unit, WorkflowRequest
from server.registry.queries import unit_by_code
from tests.api.helpers import DemoApi, employee_id, set_predicate
from tests.api.public_walk import PUBLIC_STATISTICS, every_unit_and_name, walk
from workflows.public_statistics import suppress_distribution, suppressed

UNIT = "KEL-GAMBIR-01"
JAKARTA = dt.timezone(dt.timedelta(hours=7))


async def statistics(demo: DemoApi, unit: str = UNIT, year: int | None = 2025) -> dict[str, object]:
    data = await demo.query(PUBLIC_STATISTICS, {"unitCode": unit, "year": year})  # no token: anonymous
    return data["publicStatistics"]  # type: ignore[no-any-return]


def test_a_count_of_one_to_four_people_is_hidden_and_zero_is_shown() -> None:
    assert [suppressed(n) for n in (0, 1, 4, 5, 120)] == [0, None, None, 5, 120]


def test_a_count_hidden_alone_takes_the_smallest_other_count_with_it() -> None:
    shown = suppress_distribution({"Sangat Baik": 6, "Baik": 30, "Butuh Perbaikan": 2, "Kurang": 0})
    assert shown == {"Sangat Baik": None, "Baik": 30, "Butuh Perbaikan": None, "Kurang": 0}
    two = suppress_distribution({"Sangat Baik": 3, "Baik": 30, "Butuh Perbaikan": 2})
    assert two == {"Sangat Baik": None, "Baik": 30, "Butuh Perbaikan": None}


async def test_an_anonymous_client_reads_a_units_figures(demo: DemoApi) -> None:
    found = await statistics(demo)
    assert found["unitCode"] == UNIT and found["year"] == 2025
    assert found["positions"] > 0 and found["quota"] >= found["positions"]  # type: ignore[operator]
    assert [e["predicate"] for e in found["evaluations"]] == [  # type: ignore[attr-defined]
        "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang",
    ]  # fmt: skip
    assert found["filled"] is None or found["filled"] >= 5  # type: ignore[operator]


async def test_the_year_defaults_to_the_services_current_year(demo: DemoApi) -> None:
    assert (await statistics(demo, year=None))["year"] == demo.today.year


async def test_an_unknown_unit_is_null_and_a_future_year_is_refused(demo: DemoApi) -> None:
    assert await statistics(demo, "NO-SUCH-UNIT") is None
    response = await demo.post(PUBLIC_STATISTICS, {"unitCode": UNIT, "year": demo.today.year + 1})
    assert f"year: {demo.today.year + 1}" in response.json()["errors"][0]["message"]


async def test_a_predicate_given_to_fewer_than_five_people_is_hidden(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await set_predicate(demo.db, nip, 2025, "Sangat Kurang")  # one person in the unit
    counts = {e["predicate"]: e["count"] for e in (await statistics(demo))["evaluations"]}  # type: ignore[attr-defined]
    assert counts["Sangat Kurang"] is None
    assert list(counts.values()).count(None) >= 2  # never hidden alone


async def _unit(demo: DemoApi) -> Unit:
    async with demo.db.read() as s:
        unit = await unit_by_code(s, UNIT)
    assert unit is not None
    return unit


async def decided(demo: DemoApi, days: list[float], ended: dt.datetime, state: str = "rejected") -> None:
    """Requests of the unit that ended at ``ended`` after ``days`` each (data set-up, not a workflow)."""
    unit, subject = await _unit(demo), await employee_id(demo.db, demo.uid("employee"))
    async with demo.db.write() as s:
        for d in days:
            s.add(
                WorkflowRequest(
                    kind="transfer", state=state, terminal=True, definition_version="transfer@test",
                    subject_employee_id=subject, unit_id=unit.id, proposed_by="test", data={}, rule_versions={},
                    created_at=(ended - dt.timedelta(days=d)).astimezone(dt.UTC), updated_at=ended.astimezone(dt.UTC),
                )
            )  # fmt: skip


async def test_the_median_days_to_a_decision_counts_only_ended_requests_and_needs_five(demo: DemoApi) -> None:
    ended = dt.datetime(2025, 6, 30, 10, 0, tzinfo=JAKARTA)
    await decided(demo, [2, 4, 10], ended)
    await decided(demo, [1, 1, 1], ended, state="withdrawn")  # not a decision
    found = await statistics(demo)
    assert (found["requestsDecided"], found["medianDaysToDecision"]) == (None, None)  # 3 decisions: hidden
    await decided(demo, [6, 30], ended, state="effective")
    found = await statistics(demo)
    assert (found["requestsDecided"], found["medianDaysToDecision"]) == (5, 6.0)  # 2 4 [6] 10 30
    await decided(demo, [8], ended)
    assert (await statistics(demo))["medianDaysToDecision"] == 7.0  # 2 4 [6 8] 10 30


async def test_a_request_ending_late_on_31_december_in_jakarta_counts_for_that_year(demo: DemoApi) -> None:
    await decided(demo, [3] * 5, dt.datetime(2025, 12, 31, 23, 30, tzinfo=JAKARTA))  # 16:30 UTC
    await decided(demo, [3] * 5, dt.datetime(2026, 1, 1, 0, 30, tzinfo=JAKARTA))  # still 2025 in UTC
    assert (await statistics(demo, year=2025))["requestsDecided"] == 5
    assert (await statistics(demo, year=2026))["requestsDecided"] == 5


async def test_the_csv_download_carries_the_same_figures_for_anyone(demo: DemoApi) -> None:
    found = await statistics(demo)
    response = await demo.client.get("/public/statistics.csv", params={"unit": UNIT, "year": "2025"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["unitCode"], row["positions"], row["quota"]) == (UNIT, str(found["positions"]), str(found["quota"]))
    assert row["filled"] == ("" if found["filled"] is None else str(found["filled"]))
    counts = {e["predicate"]: e["count"] for e in found["evaluations"]}  # type: ignore[attr-defined]
    assert row["evaluations:Baik"] == ("" if counts["Baik"] is None else str(counts["Baik"]))
    assert (await demo.client.get("/public/statistics.csv", params={"unit": "NOPE"})).status_code == 404
    assert (await demo.client.get("/public/statistics.csv", params={"unit": UNIT, "year": "20x"})).status_code == 400


async def test_every_unit_of_the_demo_seed_walked_anonymously_shows_nobody(demo: DemoApi) -> None:
    units, names = await every_unit_and_name(demo.db)
    for year in (2025, 2026):
        assert await walk(demo, units, names, year) == {}


async def test_the_csv_download_shares_the_anonymous_rate_limit(demo: DemoApi) -> None:
    settings = replace(demo.settings, anonymous_rate_per_second=0.001, anonymous_burst=2)
    transport = httpx.ASGITransport(app=create_app(settings, demo.db), client=("203.0.113.44", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = [(await client.get("/public/statistics.csv", params={"unit": UNIT})).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
