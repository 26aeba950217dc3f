"""Plausible workload analyses (ABK) and quota histories for the seeded positions.

Each position gets three or four tasks of its type, with norm times of the kind an analysis records (a quarter
hour to file a letter, days for a policy paper). The volumes are set so the workload needs between 70 % and
130 % of the position's quota (needed staff = hours / 1,250): some units are short of staff, some have a
surplus, as a real workforce plan shows. About a quarter of the staff posts had another quota until the 2025
formasi, so as-of reads of earlier days differ. Deterministic for a seed; rows in position order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from server.seed.positions import PositionSpec

EFFECTIVE_HOURS = 1250  # workload.effective_hours/2020
FORMASI_2025 = dt.date(2025, 1, 1)
EARLIER_QUOTA_SHARE = 0.25

_TASKS_FILE = Path(__file__).with_name("workloads.yaml")


@cache
def _tasks() -> dict[str, list[tuple[str, float, float]]]:
    """Each position type's tasks: (task, norm hours of one output, share of the position's hours)."""
    table = yaml.safe_load(_TASKS_FILE.read_text(encoding="utf-8"))
    return {
        kind: [(str(task), float(norm), float(share)) for task, norm, share in rows] for kind, rows in table.items()
    }


def workload_rows(rng: random.Random, positions: Sequence[PositionSpec]) -> list[dict[str, object]]:
    """The tasks of every position: volumes giving 70-130 % of its quota in needed staff."""
    rows: list[dict[str, object]] = []
    for position in positions:
        target = position.quota * EFFECTIVE_HOURS * rng.uniform(0.7, 1.3)
        for task, norm, share in _tasks()[position.type]:
            rows.append(
                {
                    "id": len(rows) + 1,
                    "position_id": position.id,
                    "task": task,
                    "annual_volume": max(1, round(target * share / norm)),
                    "norm_hours": norm,
                }
            )
    return rows


def quota_rows(rng: random.Random, positions: Sequence[PositionSpec]) -> list[dict[str, object]]:
    """Each position's quota history: today's quota, and for some staff posts another one before 2025."""
    rows: list[dict[str, object]] = []
    for position in positions:
        start: dt.date | None = None
        if not position.managerial and rng.random() < EARLIER_QUOTA_SHARE:
            earlier = max(1, position.quota + rng.choice((-1, 1)))
            if earlier != position.quota:
                rows.append(_quota(len(rows) + 1, position.id, earlier, None, FORMASI_2025 - dt.timedelta(days=1)))
                start = FORMASI_2025
        rows.append(_quota(len(rows) + 1, position.id, position.quota, start, None))
    return rows


def _quota(row_id: int, position_id: int, quota: int, start: dt.date | None, end: dt.date | None) -> dict[str, object]:
    return {
        "id": row_id,
        "position_id": position_id,
        "quota": quota,
        "valid_from": start,
        "valid_to": end,
        "request_id": None,
    }
