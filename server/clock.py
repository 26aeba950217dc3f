"""What day it is for the service: Jakarta's calendar date, or ``ASNFLOW_TODAY`` outside production.

Rules and effective dates are judged on Jakarta's date (UTC+7), not the server's. Pinning the date
lets a demo or a test replay a scenario on a fixed day; production always uses the clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from server.settings import Settings

JAKARTA = ZoneInfo("Asia/Jakarta")


def utcnow() -> dt.datetime:
    """This moment in UTC, aware: what every timestamp the service stores is (audit, grants, tasks, signatures)."""
    return dt.datetime.now(dt.UTC)


def today_in_jakarta() -> dt.date:
    return dt.datetime.now(JAKARTA).date()


def service_today(settings: Settings) -> dt.date:
    if settings.today is not None and not settings.production:
        return settings.today
    return today_in_jakarta()


def service_now(today: dt.date) -> dt.datetime:
    """This moment on the service's day, in UTC: the clock's time of day in Jakarta on ``today``.

    With the real date it is simply now; with a pinned ``ASNFLOW_TODAY`` (a demo, a test) it keeps due
    times and "overdue" consistent with the pinned day the tasks were opened on.
    """
    moment = dt.datetime.now(JAKARTA)
    return dt.datetime.combine(today, moment.time(), tzinfo=JAKARTA).astimezone(dt.UTC)
