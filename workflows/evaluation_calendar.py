"""Which years' evaluations count on a date: "at least Baik in each of the last 2 years" on a real calendar.

A year's evaluation (SKP) is rated after 31 December, delivered, open to objection for 14 days and then
final; until the season closes nobody can have a final predicate for the year just ended. So on a date
``on`` the years that count are, newest first, the years before ``on``'s year whose evaluation is final
for the employee or whose evaluation deadline (``performance.evaluation_deadline``) has passed on ``on``;
a year still inside its season neither counts nor blocks: the years before it are read instead. A year
past its deadline without a final predicate counts, and fails.

This is the one function the ``predicate_last_two_years`` guard and the batched eligibility list both
call, so the list and the verify step cannot disagree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from server.rules import RuleVersion

MIN_PREDICATE = "performance.min_predicate"
EVALUATION_DEADLINE = "performance.evaluation_deadline"


def evaluation_deadline(year: int, deadline: RuleVersion) -> dt.date:
    """The last day of the evaluation season of ``year``: the end of the rule's month of the following year
    (``months_after_year_end: 2`` -> the end of February: the 28th, or the 29th in a leap year)."""
    months = deadline.int("months_after_year_end")
    follow_year, month = divmod(12 * (year + 1) + months - 1, 12)
    return dt.date(follow_year, month + 1, calendar.monthrange(follow_year, month + 1)[1])


def years_to_read(on: dt.date, rule: RuleVersion, deadline: RuleVersion) -> tuple[int, ...]:
    """The years whose predicates can decide on ``on``, newest first: the rule's number of years, plus the
    years that can still be in their season (one, with a season ending within the following year)."""
    in_season = 1 + (deadline.int("months_after_year_end") - 1) // 12
    return tuple(on.year - i for i in range(1, rule.int("years") + in_season + 1))


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    years: tuple[int, ...]


def judge_predicates(on: dt.date, found: Mapping[int, str], rule: RuleVersion, deadline: RuleVersion) -> Verdict:
    """Whether the predicates ``found`` (year -> final predicate) meet ``rule`` on ``on``, and a sentence saying
    which years counted and why a year was passed over."""
    wanted = rule.int("years")
    accepted = set(rule["accepted"])
    counted: list[int] = []
    skipped: list[str] = []
    for year in years_to_read(on, rule, deadline):
        if len(counted) == wanted:
            break
        closes = evaluation_deadline(year, deadline)
        if year in found or closes < on:
            counted.append(year)
        else:
            skipped.append(f"{year} not counted: its evaluations may be completed until {closes}")
    short = [f"{y}: {found.get(y, 'no final evaluation')}" for y in counted if found.get(y) not in accepted]
    note = f" ({'; '.join(skipped)})" if skipped else ""
    if short:
        return Verdict(False, "needs at least Baik in " + "; ".join(short) + note, tuple(counted))
    return Verdict(True, f"at least Baik in {', '.join(map(str, counted))}{note}", tuple(counted))
