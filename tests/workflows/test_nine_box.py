"""The nine-box grid against the worked examples of docs/planning.md ("Talent pool (nine-box)"), and its
calendar: an assessment's validity ends on the day before its date comes round again, the pool is judged
on 31 December, and a promotion reads last year's pool only once last year's evaluation can count."""

from __future__ import annotations

import datetime as dt

import pytest

from server.rules import rules_for
from workflows.talent import Assessed, guard_year, nine_box_rule, place, valid_through

RULE = nine_box_rule(2025)
DEADLINE = rules_for("performance.evaluation_deadline", dt.date(2026, 1, 1))


def box(predicate: str | None, potential: str | None, on: dt.date = dt.date(2025, 6, 2)) -> int | None:
    assessed = [Assessed(on, potential)] if potential else []
    return place(2025, predicate, assessed, RULE).box


@pytest.mark.parametrize(
    ("predicate", "potential", "expected"),
    [
        ("Sangat Baik", "high", 9),  # example 1: high performance, high potential
        ("Sangat Baik", "middle", 8),  # example 2
        ("Baik", "high", 7),  # example 3: the usual top of the pool
        ("Sangat Baik", "low", 6),
        ("Baik", "middle", 5),  # example 4: the core
        ("Butuh Perbaikan", "high", 4),  # example 5: potential without performance is not a promotion
        ("Baik", "low", 3),
        ("Kurang", "middle", 2),
        ("Sangat Kurang", "low", 1),
        (None, "high", None),  # example 6: no final predicate, no box
        ("Sangat Baik", None, None),  # no valid assessment, no box
    ],
)
def test_the_worked_examples(predicate: str | None, potential: str | None, expected: int | None) -> None:
    assert box(predicate, potential) == expected


def test_a_placement_says_which_axis_is_missing() -> None:
    placed = place(2025, None, [Assessed(dt.date(2025, 6, 2), "high")], RULE)
    assert (placed.performance, placed.potential, placed.box) == (None, "high", None)
    assert "no final predicate" in placed.describe()


def test_an_assessment_made_on_1_january_is_valid_until_31_december_three_years_on() -> None:
    assert valid_through(dt.date(2023, 1, 1), RULE) == dt.date(2025, 12, 31)
    assert box("Baik", "high", dt.date(2023, 1, 1)) == 7  # example 7: still valid on the 2025 pool's day
    assert box("Baik", "high", dt.date(2022, 12, 31)) is None  # expired on 30 Dec 2025, the day before


def test_an_assessment_made_on_a_leap_day_runs_to_the_27th_of_february() -> None:
    assert valid_through(dt.date(2024, 2, 29), RULE) == dt.date(2027, 2, 27)


def test_an_assessment_after_the_pools_day_does_not_count_for_that_year() -> None:
    assert box("Baik", "high", dt.date(2026, 1, 1)) is None
    assert place(2026, "Baik", [Assessed(dt.date(2026, 1, 1), "high")], nine_box_rule(2026)).box == 7


def test_the_latest_assessment_decides_even_when_lower() -> None:
    both = [Assessed(dt.date(2024, 5, 1), "high"), Assessed(dt.date(2025, 5, 1), "low")]
    assert place(2025, "Baik", both, RULE).box == 3


def test_a_promotion_reads_last_years_pool_once_its_evaluation_is_final_or_its_season_closed() -> None:
    assert guard_year(dt.date(2026, 12, 1), {2025: "Baik"}, DEADLINE) == 2025
    assert guard_year(dt.date(2027, 1, 1), {2025: "Baik"}, DEADLINE) == 2025  # 1 January: 2026 still in season
    assert guard_year(dt.date(2027, 1, 1), {2026: "Baik"}, DEADLINE) == 2026  # final early for this employee
    assert guard_year(dt.date(2027, 2, 28), {}, DEADLINE) == 2025  # the season's last day
    assert guard_year(dt.date(2027, 3, 1), {}, DEADLINE) == 2026  # closed: 2026 counts (and has no box)
