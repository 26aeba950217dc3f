"""Rank-promotion periods: whether a date is one under the rule in force on it, and the nearest ones if not.

The test itself (``in_promotion_period``) is the one the ``promotion_period`` guard applies; the rest
searches around a refused date, so the eligibility list can name the valid dates in its refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from server.rules import RuleNotFound, RuleVersion, rules_for

PERIOD_RULE = "rank_promotion.periods"
# How far to look for the nearest valid periods around a refused date.
_SEARCH_MONTHS = 36


def in_promotion_period(day: dt.date, rule: RuleVersion) -> bool:
    """Whether ``day`` is a rank-promotion period under ``rule``: the 1st of one of its months."""
    return day.day == 1 and day.month in rule["months"]


def period_months(rule: RuleVersion) -> str:
    """The period months of ``rule`` in words ("Apr, Oct")."""
    return ", ".join(dt.date(2000, m, 1).strftime("%b") for m in rule["months"])


class EligibilityError(ValueError):
    """The list cannot be drawn for this date (no rule version in force); the message names the value."""


class NotAPromotionPeriod(EligibilityError):
    """``value`` is not a promotion period under the rule in force on it; ``nearest`` are the valid dates around it."""

    def __init__(self, value: dt.date, message: str, nearest: tuple[dt.date, ...]) -> None:
        super().__init__(message)
        self.value = value
        self.nearest = nearest


def _months_from(day: dt.date, step: int) -> Iterable[dt.date]:
    """The 1st of each month from ``day``'s month, going forward (1) or back (-1)."""
    index = day.year * 12 + day.month - 1
    for _ in range(_SEARCH_MONTHS):
        year, month = divmod(index, 12)
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            return
        yield dt.date(year, month + 1, 1)
        index += step


def _period_rule(day: dt.date) -> RuleVersion | None:
    try:
        return rules_for(PERIOD_RULE, day)
    except RuleNotFound:
        return None


def is_promotion_period(day: dt.date) -> bool:
    """Whether ``day`` is a period under the version in force on it (as the ``promotion_period`` guard reads it)."""
    rule = _period_rule(day)
    return rule is not None and in_promotion_period(day, rule)


def nearest_periods(day: dt.date) -> tuple[dt.date, ...]:
    """The last valid period before ``day`` and the first after it (each under its own rule version)."""
    before = next((d for d in _months_from(day, -1) if d < day and is_promotion_period(d)), None)
    after = next((d for d in _months_from(day, 1) if d > day and is_promotion_period(d)), None)
    return tuple(d for d in (before, after) if d is not None)


def check_period(period: dt.date) -> RuleVersion:
    """The period rule version in force on ``period``; ``NotAPromotionPeriod`` naming the nearest dates if it is none."""
    rule = _period_rule(period)
    if rule is not None and is_promotion_period(period):
        return rule
    nearest = nearest_periods(period)
    dates = " and ".join(d.isoformat() for d in nearest)
    valid = {0: "there is none within three years", 1: f"the nearest is {dates}"}.get(
        len(nearest), f"the nearest are {dates}"
    )
    if rule is None:
        why = f"no version of {PERIOD_RULE} is in force on it"
    else:
        why = f"under {rule.version_id} periods are the 1st of {period_months(rule)}"
    message = f"period {period.isoformat()} is not a rank-promotion period ({why}); {valid}"
    raise NotAPromotionPeriod(period, message, nearest)
