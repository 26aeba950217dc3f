"""Assessment results for the talent pool: a realistic share of civil servants, mostly on managerial tracks.

Jakarta assesses the people it may promote: most holders of managerial posts (JPT, administrator, pengawas),
a quarter of the senior functional posts (job class 9 and up) and a few others; PPPK staff are not in the
talent pool. About a fifth of the employees in all. Dates fall from January 2023 to October 2026, so most
results are valid for the 2025 pool (3 years, ``talent.nine_box``) and some only for 2026's. The demo
personas are left unassessed: tests and demos enter their assessments through ``recordAssessment``.
Deterministic: one ``random.Random`` for the phase, people in id order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from server.domain.positions import is_managerial
from server.seed.people import Person
from server.seed.positions import PositionSpec

FIRST_DAY = dt.date(2023, 1, 1)
LAST_DAY = dt.date(2026, 10, 31)
_CLASSES = (("low", 25, (40, 59)), ("middle", 50, (60, 79)), ("high", 25, (80, 95)))


def _rate(position: PositionSpec) -> float:
    if is_managerial(position.job.type):
        return 0.75
    if position.job.type == "FUNGSIONAL" and position.job.job_class >= 9:
        return 0.25
    return 0.15


def assessment_rows(
    rng: random.Random, people: list[Person], positions: Mapping[int, PositionSpec]
) -> list[dict[str, object]]:
    """One row of ``assessments`` per person assessed, in person order."""
    rows: list[dict[str, object]] = []
    span = (LAST_DAY - FIRST_DAY).days
    for person in people:
        draw = rng.random()
        if person.clean or person.employment_type != "PNS" or draw >= _rate(positions[person.position_id]):
            continue
        assessed_on = FIRST_DAY + dt.timedelta(days=rng.randint(0, span))
        if assessed_on < person.appointed:
            continue
        potential, _, (low, high) = rng.choices(_CLASSES, weights=[w for _, w, _ in _CLASSES])[0]
        rows.append(
            {
                "id": len(rows) + 1,
                "employee_id": person.id,
                "assessed_on": assessed_on,
                "potential_score": rng.randint(low, high),
                "potential_class": potential,
                "report_no": f"AC-{assessed_on.year}/{len(rows) + 1:05d}",
            }
        )
    return rows
