"""The synthetic world's clock: one fixed "today" and the date arithmetic built on it.

Seed data must be byte-identical for a given seed, so nothing may read the wall clock. Every age,
time in post and evaluation year is measured against ``REFERENCE_DATE`` instead.
"""

from __future__ import annotations

import datetime as dt

REFERENCE_DATE = dt.date(2026, 11, 28)

# Rank promotion periods (DOMAIN.md, rank promotion): 1 Apr and 1 Oct until 2023, six a year from
# 2024 to September 2025, then the 1st of every month.
_SIX_A_YEAR_FROM = dt.date(2024, 1, 1)
_MONTHLY_FROM = dt.date(2025, 10, 1)
_SIX_A_YEAR_MONTHS = (2, 4, 6, 8, 10, 12)


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years; 29 February lands on 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month (assignments and TMTs start on the 1st)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def promotion_period_on_or_after(day: dt.date) -> dt.date:
    """The first rank promotion period date (TMT) not before ``day`` under the rules then in force."""
    candidate = add_months(day, 0) if day.day == 1 else add_months(day, 1)
    while True:
        if candidate >= _MONTHLY_FROM:
            return candidate
        if candidate >= _SIX_A_YEAR_FROM:
            if candidate.month in _SIX_A_YEAR_MONTHS:
                return candidate
        elif candidate.month in (4, 10):
            return candidate
        candidate = add_months(candidate, 1)


def promotion_period_on_or_before(day: dt.date) -> dt.date:
    """The last rank promotion period date not after ``day``."""
    candidate = add_months(day, 0)
    while promotion_period_on_or_after(candidate) != candidate:
        candidate = add_months(candidate, -1)
    return candidate
