"""Red-team probes of the public figures: what an anonymous client can put together from public answers.

The adversary is anyone without a token; the questions are whether two public answers, read side by side or
subtracted, give back a count of 1 to 4 people or one person's predicate."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from server.registry.queries import unit_by_code
from tests import factories as f
from tests.api.helpers import DemoApi
from tests.api.public_walk import PUBLIC_STATISTICS
from workflows.public_statistics import suppress_distribution

SMALL = "KEL-RT-SMALL"
POSITIONS = """query($unit: String!) { positions(filter: {unitCode: $unit}, first: 100) {
  edges { node { code quota vacancies holders { nip name } } } } }"""


async def small_unit(demo: DemoApi, predicates: list[str | None], quota: int = 5, code: str = SMALL) -> str:
    """A kelurahan under Kecamatan Gambir with one post held by one person per predicate (their 2025 result)."""
    async with demo.db.write() as s:
        u = await f.unit(s, code, await unit_by_code(s, "KEC-GAMBIR"), kind="kelurahan")
        post = await f.position(s, f"{code}-PLK", u, quota=quota)
        for predicate in predicates:
            who = await f.employee(s)
            await f.assign(s, who, post, dt.date(2020, 1, 1))
            if predicate is not None:
                await f.evaluations(s, who, {2025: predicate})
    return code


async def statistics(demo: DemoApi, unit: str, year: int = 2025) -> dict[str, object]:
    return (await demo.query(PUBLIC_STATISTICS, {"unitCode": unit, "year": year}))["publicStatistics"]  # type: ignore[no-any-return]


def test_when_no_non_zero_count_is_left_shown_the_zeros_are_hidden_too() -> None:
    alone = suppress_distribution({"Sangat Baik": 0, "Baik": 0, "Butuh Perbaikan": 0, "Kurang": 0, "Sangat Kurang": 1})
    assert alone == dict.fromkeys(alone)
    low = suppress_distribution({"Sangat Baik": 0, "Baik": 0, "Kurang": 2, "Sangat Kurang": 3})
    assert low == dict.fromkeys(low)  # not "everyone was rated low"
    paired = suppress_distribution({"Sangat Baik": 0, "Baik": 30, "Butuh Perbaikan": 2, "Kurang": 0})
    assert paired == dict.fromkeys(paired)  # complementary suppression left only zeros: they go too
    shown = suppress_distribution({"Sangat Baik": 6, "Baik": 30, "Butuh Perbaikan": 2, "Kurang": 0})
    assert shown == {"Sangat Baik": None, "Baik": 30, "Butuh Perbaikan": None, "Kurang": 0}


async def test_a_unit_of_one_does_not_publish_its_only_persons_predicate(demo: DemoApi) -> None:
    await small_unit(demo, ["Sangat Kurang"])
    found = await statistics(demo, SMALL)
    assert [e["count"] for e in found["evaluations"]] == [None] * 5  # type: ignore[attr-defined]
    response = await demo.client.get("/public/statistics.csv", params={"unit": SMALL, "year": "2025"})
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert [v for k, v in row.items() if k.startswith("evaluations:")] == [""] * 5


async def test_a_unit_of_four_all_with_one_predicate_does_not_publish_it(demo: DemoApi) -> None:
    await small_unit(demo, ["Kurang"] * 4)
    found = await statistics(demo, SMALL)
    assert (found["filled"], found["vacancies"], found["trainingHoursMean"]) == (None, None, None)
    assert [e["count"] for e in found["evaluations"]] == [None] * 5  # type: ignore[attr-defined]


async def test_exactly_five_people_are_counted_and_their_predicates_4_and_1_are_not_published(
    demo: DemoApi,
) -> None:
    await small_unit(demo, ["Baik"] * 4 + ["Sangat Kurang"])
    found = await statistics(demo, SMALL)
    assert found["filled"] == 5
    assert [e["count"] for e in found["evaluations"]] == [None] * 5  # type: ignore[attr-defined]


async def test_a_parents_figures_do_not_change_when_a_small_child_unit_is_added(demo: DemoApi) -> None:
    before = await statistics(demo, "KEC-GAMBIR")
    await small_unit(demo, ["Sangat Kurang", "Baik", "Baik", None])
    assert await statistics(demo, "KEC-GAMBIR") == before  # parent minus children isolates nobody


async def test_year_against_year_a_past_years_staff_is_read_on_its_31_december(demo: DemoApi) -> None:
    await small_unit(demo, ["Baik"] * 5)
    async with demo.on(dt.date(2026, 1, 1)) as new_year:  # 1 January: the new year runs, the old one is closed
        old, new = await statistics(new_year, SMALL, 2025), await statistics(new_year, SMALL, 2026)
    assert old["filled"] == new["filled"] == 5
    assert [e["count"] for e in new["evaluations"]] == [0] * 5  # type: ignore[attr-defined]  # 2026 not evaluated


@pytest.mark.xfail(
    strict=True,
    reason="Position.vacancies (Int!, public by design: the transparency page's openings) is quota minus "
    "today's holders per post, so summing quota - vacancies over a unit's posts gives back the filled count "
    "that publicStatistics suppresses; a product decision (contract field), not fixed here",
)
async def test_the_public_positions_do_not_give_back_a_suppressed_filled_count(demo: DemoApi) -> None:
    await small_unit(demo, ["Baik", "Baik"], quota=3)
    assert (await statistics(demo, SMALL, 2026))["filled"] is None
    posts = [e["node"] for e in (await demo.query(POSITIONS, {"unit": SMALL}))["positions"]["edges"]]
    assert [p["holders"] for p in posts] == [[]]  # no names for the public
    derived = sum(p["quota"] - p["vacancies"] for p in posts)
    assert derived not in range(1, 5)
