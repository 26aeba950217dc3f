""" "At least Baik in each of the last 2 years" on a real calendar, through the API as the demo personas.

The demo judges on 2026-11-28; the employee persona has final Baik predicates for 2024 and 2025 and none
for 2026. Under ``performance.evaluation_deadline/2019`` a year's evaluations may be completed until the
end of the following February: until then the year in season neither counts nor blocks, after it the
year counts (and a missing predicate fails). The eligibility list (batched) and the verify step (the
guard) are asked on each date: they use one function, so they must agree.
"""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import DemoApi, act, codes, employee_id, fields, proposed, run, state_of, update_employee
from tests.api.test_eligibility import add_predicates, explained, listed, page
from workflows import eligibility

FIRST_PERIOD_OF_2027 = dt.date(2027, 1, 1)
LAST_PERIOD_BEFORE_DEADLINE = dt.date(2027, 2, 1)  # the 2026 season closes on 2027-02-28
FIRST_PERIOD_AFTER_DEADLINE = dt.date(2027, 3, 1)
LEAP_DAY = dt.date(2028, 2, 29)  # the last day of the 2027 season
DAY_AFTER_LEAP_DAY = dt.date(2028, 3, 1)
PLACEMENT_TARGET = "KEL-GAMBIR-01-PLK2"


async def ready_for_group_iii(api: DemoApi) -> str:
    nip = api.uid("employee")
    await update_employee(api.db, nip, has_service_exam=True)
    return nip


async def verify_rank_promotion(api: DemoApi, period: dt.date) -> dict[str, object]:
    """Propose the employee's promotion for ``period``, ready the documents, and ask BKD to verify it."""
    rid = await proposed(api, "unit_hr", "proposeRankPromotion", employeeNip=api.uid("employee"), effectiveDate=period)
    assert await run(api, rid, [("unit_hr", "prepare_documents")]) == "documents_ready"
    return await act(api, "bkd_verifier", rid, "verify")


async def predicate_message(api: DemoApi, nip: str, period: dt.date) -> str:
    async with api.db.read() as s:
        results = await eligibility.eligibility_explained(s, await employee_id(api.db, nip), period, today=api.today)
    return next(r.message for r in results if r.guard == "predicate_last_two_years")


# ---------------------------------------------------------------------------------------------- January


async def test_the_first_period_of_a_new_year_reads_the_two_years_already_final(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    assert nip in await listed(demo, period=FIRST_PERIOD_OF_2027)
    assert (await page(demo, "bkd_official", FIRST_PERIOD_OF_2027, first=1))["totalCount"] > 0
    assert await explained(demo, nip, FIRST_PERIOD_OF_2027) == []
    assert await predicate_message(demo, nip, FIRST_PERIOD_OF_2027) == (
        "at least Baik in 2025, 2024 (2026 not counted: its evaluations may be completed until 2027-02-28)"
    )
    payload = await verify_rank_promotion(demo, FIRST_PERIOD_OF_2027)
    assert payload["errors"] == [] and payload["request"]["state"] == "verified"  # type: ignore[index]


async def test_a_year_already_final_counts_inside_its_season(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    await add_predicates(demo, nip, {2026: "Kurang"})
    assert nip not in await listed(demo, period=FIRST_PERIOD_OF_2027)
    payload = await verify_rank_promotion(demo, FIRST_PERIOD_OF_2027)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["predicate_last_two_years"])
    assert "needs at least Baik in 2026: Kurang" in payload["errors"][0]["message"]  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- the deadline


async def test_the_last_period_before_the_deadline_still_reads_the_years_before_the_season(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    assert nip in await listed(demo, period=LAST_PERIOD_BEFORE_DEADLINE)
    payload = await verify_rank_promotion(demo, LAST_PERIOD_BEFORE_DEADLINE)
    assert payload["errors"] == [] and payload["request"]["state"] == "verified"  # type: ignore[index]


async def test_the_first_period_after_the_deadline_needs_the_year_just_closed(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    assert nip not in await listed(demo, period=FIRST_PERIOD_AFTER_DEADLINE)
    assert await explained(demo, nip, FIRST_PERIOD_AFTER_DEADLINE) == ["predicate_last_two_years"]
    payload = await verify_rank_promotion(demo, FIRST_PERIOD_AFTER_DEADLINE)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["predicate_last_two_years"])
    message = payload["errors"][0]["message"]  # type: ignore[index]
    assert "needs at least Baik in 2026: no final evaluation" in message
    assert "performance.min_predicate/2019" in message


async def test_after_the_deadline_a_final_year_just_closed_makes_the_employee_eligible(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    await add_predicates(demo, nip, {2026: "Sangat Baik"})
    assert nip in await listed(demo, period=FIRST_PERIOD_AFTER_DEADLINE)
    assert await predicate_message(demo, nip, FIRST_PERIOD_AFTER_DEADLINE) == "at least Baik in 2026, 2025"
    payload = await verify_rank_promotion(demo, FIRST_PERIOD_AFTER_DEADLINE)
    assert payload["errors"] == [] and payload["request"]["state"] == "verified"  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- leap day


async def verify_placement(api: DemoApi, effective: dt.date) -> tuple[str, dict[str, object]]:
    rid = await proposed(
        api,
        "unit_head",
        "proposePlacement",
        employeeNip=api.uid("employee"),
        positionCode=PLACEMENT_TARGET,
        effectiveDate=effective,
    )
    return rid, await act(api, "bkd_verifier", rid, "verify")


async def test_on_a_leap_day_the_season_of_the_year_before_is_still_open(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await add_predicates(demo, nip, {2026: "Baik"})
    rid, payload = await verify_placement(demo, LEAP_DAY)
    assert payload["errors"] == [], payload["errors"]
    assert await state_of(demo, rid) == "verified"
    assert await predicate_message(demo, nip, LEAP_DAY) == (
        "at least Baik in 2026, 2025 (2027 not counted: its evaluations may be completed until 2028-02-29)"
    )


async def test_the_day_after_a_leap_day_the_year_before_counts(demo: DemoApi) -> None:
    nip = await ready_for_group_iii(demo)
    await add_predicates(demo, nip, {2026: "Baik"})
    rid, payload = await verify_placement(demo, DAY_AFTER_LEAP_DAY)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["predicate_last_two_years"])
    assert "2027: no final evaluation" in payload["errors"][0]["message"]  # type: ignore[index]
    assert await state_of(demo, rid) == "proposed"
    assert nip not in await listed(demo, period=DAY_AFTER_LEAP_DAY)
    assert nip in await listed(demo, period=dt.date(2028, 2, 1))
    await add_predicates(demo, nip, {2027: "Baik"})
    assert nip in await listed(demo, period=DAY_AFTER_LEAP_DAY)
