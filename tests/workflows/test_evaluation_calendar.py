"""Which two years' evaluations count on a date (``workflows.evaluation_calendar``), as the rules in force say.

The deadline is data (``performance.evaluation_deadline``): the end of the following February today; a
version ending the season in March moves every boundary with it, and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from server.rules import RuleVersion, rules_for
from workflows.evaluation_calendar import (
    EVALUATION_DEADLINE,
    MIN_PREDICATE,
    evaluation_deadline,
    judge_predicates,
    years_to_read,
)

ON = dt.date(2027, 1, 1)
RULE = rules_for(MIN_PREDICATE, ON)
DEADLINE = rules_for(EVALUATION_DEADLINE, ON)
MARCH = replace(DEADLINE, version_id="performance.evaluation_deadline/test-march", values={"months_after_year_end": 3})
BAIK_2024_2025 = {2024: "Baik", 2025: "Baik"}


def counted(on: dt.date, found: dict[int, str], deadline: RuleVersion = DEADLINE) -> tuple[int, ...]:
    return judge_predicates(on, found, RULE, deadline).years


def test_the_season_ends_on_the_last_day_of_the_following_february_leap_years_included() -> None:
    assert evaluation_deadline(2026, DEADLINE) == dt.date(2027, 2, 28)
    assert evaluation_deadline(2027, DEADLINE) == dt.date(2028, 2, 29)
    assert evaluation_deadline(2027, MARCH) == dt.date(2028, 3, 31)
    assert DEADLINE.version_id == "performance.evaluation_deadline/2019"
    assert "PermenPANRB 6/2022" in DEADLINE.legal_basis and "configurable" in DEADLINE.legal_basis


def test_on_the_first_of_january_the_year_just_ended_is_in_season_and_does_not_block() -> None:
    verdict = judge_predicates(ON, BAIK_2024_2025, RULE, DEADLINE)
    assert (verdict.passed, verdict.years) == (True, (2025, 2024))
    assert "2026 not counted" in verdict.message


def test_a_final_predicate_counts_even_inside_its_season() -> None:
    verdict = judge_predicates(ON, {**BAIK_2024_2025, 2026: "Butuh Perbaikan"}, RULE, DEADLINE)
    assert (verdict.passed, verdict.years) == (False, (2026, 2025))
    assert verdict.message == "needs at least Baik in 2026: Butuh Perbaikan"


def test_the_last_day_of_the_season_still_waits_and_the_next_day_counts_the_year() -> None:
    assert counted(dt.date(2027, 2, 28), BAIK_2024_2025) == (2025, 2024)
    after = judge_predicates(dt.date(2027, 3, 1), BAIK_2024_2025, RULE, DEADLINE)
    assert (after.passed, after.years) == (False, (2026, 2025))
    assert after.message == "needs at least Baik in 2026: no final evaluation"


def test_on_a_leap_day_the_season_is_open_and_on_the_first_of_march_it_is_closed() -> None:
    found = {2025: "Baik", 2026: "Sangat Baik"}
    assert counted(dt.date(2028, 2, 29), found) == (2026, 2025)
    assert counted(dt.date(2028, 3, 1), found) == (2027, 2026)
    assert not judge_predicates(dt.date(2028, 3, 1), found, RULE, DEADLINE).passed


def test_a_deadline_moved_to_march_moves_the_boundary_with_it() -> None:
    assert counted(dt.date(2027, 3, 1), BAIK_2024_2025, MARCH) == (2025, 2024)
    assert counted(dt.date(2027, 4, 1), BAIK_2024_2025, MARCH) == (2026, 2025)


def test_a_season_longer_than_a_year_reads_one_year_more() -> None:
    long_season = replace(DEADLINE, values={"months_after_year_end": 14})
    assert years_to_read(ON, RULE, DEADLINE) == (2026, 2025, 2024)
    assert years_to_read(ON, RULE, long_season) == (2026, 2025, 2024, 2023)
    assert counted(dt.date(2027, 1, 1), {2023: "Baik", 2024: "Baik"}, long_season) == (2024, 2023)


years = st.integers(min_value=2019, max_value=2031)


@given(
    on=st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2032, 12, 31)),
    found=st.dictionaries(years, st.sampled_from(["Sangat Baik", "Baik", "Kurang", "Butuh Perbaikan"])),
)
def test_the_two_counted_years_are_the_latest_final_or_closed_ones_before_the_date(
    on: dt.date, found: dict[int, str]
) -> None:
    verdict = judge_predicates(on, found, RULE, DEADLINE)
    eligible = [y for y in range(on.year - 1, on.year - 4, -1) if y in found or evaluation_deadline(y, DEADLINE) < on]
    assert verdict.years == tuple(eligible[:2])
    assert verdict.passed == all(found.get(y) in ("Sangat Baik", "Baik") for y in verdict.years)
    # A year whose season is open on the date and that has no final predicate never blocks.
    open_years = [y for y in range(on.year - 3, on.year) if evaluation_deadline(y, DEADLINE) >= on and y not in found]
    assert not set(open_years) & set(verdict.years)
