"""Rank promotion TMTs fall on the period dates in force at the time (DOMAIN.md, rank promotion)."""

import datetime as dt

from server.seed.calendar import add_years, age_on, promotion_period_on_or_after, promotion_period_on_or_before


def test_until_2023_promotions_take_effect_on_1_april_or_1_october() -> None:
    assert promotion_period_on_or_after(dt.date(2019, 4, 2)) == dt.date(2019, 10, 1)
    assert promotion_period_on_or_after(dt.date(2023, 10, 1)) == dt.date(2023, 10, 1)
    assert promotion_period_on_or_before(dt.date(2023, 9, 30)) == dt.date(2023, 4, 1)


def test_from_2024_to_september_2025_there_are_six_periods_a_year() -> None:
    assert promotion_period_on_or_after(dt.date(2023, 11, 15)) == dt.date(2024, 2, 1)
    assert promotion_period_on_or_after(dt.date(2024, 2, 2)) == dt.date(2024, 4, 1)
    assert promotion_period_on_or_after(dt.date(2025, 8, 2)) == dt.date(2025, 10, 1)


def test_from_october_2025_every_first_of_the_month_is_a_period() -> None:
    assert promotion_period_on_or_after(dt.date(2025, 10, 2)) == dt.date(2025, 11, 1)
    assert promotion_period_on_or_before(dt.date(2026, 11, 28)) == dt.date(2026, 11, 1)


def test_a_birthday_on_29_february_counts_in_common_years() -> None:
    born = dt.date(2000, 2, 29)
    assert add_years(born, 26) == dt.date(2026, 2, 28)
    assert age_on(born, dt.date(2026, 2, 28)) == 25
    assert age_on(born, dt.date(2026, 3, 1)) == 26
