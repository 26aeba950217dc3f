"""Putting people into the talent pool through the write path: an assessment recorded by a BKD official."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.helpers import DemoApi
from tests.api.records_helpers import recorded

SCORES = {"low": 50, "middle": 70, "high": 88}
ASSESSED_ON = dt.date(2025, 6, 2)  # valid on 31 Dec 2025 and 2026 (3 years)

TALENT_POOL = """query($year: Int!, $unitCode: String, $first: Int, $after: String) {
  talentPool(year: $year, unitCode: $unitCode, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { employee { nip } performance potential box predicate assessedOn } }
  }
}"""


async def assess(
    api: DemoApi, nip: str, potential: str = "high", on: dt.date = ASSESSED_ON, persona: str = "bkd_official"
) -> dict[str, Any]:
    """Record an assessment of ``potential`` class for ``nip`` on ``on`` (through ``recordAssessment``)."""
    return await recorded(
        api,
        persona,
        "recordAssessment",
        employeeNip=nip,
        assessedOn=on,
        potentialScore=SCORES[potential],
        potentialClass=potential,
        reportNo=f"AC-{on.year}/T-{nip[-4:]}",
    )


async def pool(api: DemoApi, persona: str, year: int, **variables: Any) -> list[dict[str, Any]]:
    """Every node of ``talentPool(year)`` the persona sees (all pages)."""
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        data = await api.ask(persona, TALENT_POOL, year=year, first=100, after=after, **variables)
        found = data["talentPool"]
        nodes += [e["node"] for e in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            return nodes
        after = found["pageInfo"]["endCursor"]
