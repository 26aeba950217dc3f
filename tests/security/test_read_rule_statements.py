"""The read rule costs statements per page, never per row: a page of 10 and a page of 50 cost the same.

A unit head granted over a large agency (DINKES: about a hundred positions in the small seed) reads
positions with their holders on a past day (former holders come as cards, today's as files) and a page
of people with their files; the same queries as a reader who reads every file, and as the agency's
own head through requests. Statements are counted with a ``before_cursor_execute`` listener, with the
viewer cache off so each request loads its viewer the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from schema.app import create_app
from tests.api.helpers import DemoApi, grant_role
from tests.schema.conftest import Api, StatementCounter
from tests.security.readrule_helpers import outsider

POSITIONS = """{ positions(first: %d, filter: {unitCode: "DINKES", includeSubunits: true}) { edges { node {
  code holders(asOf: "2016-01-01") { nip name access assignments { startDate } evaluations { year } }
  now: holders { nip access rankHistory { tmt } position { code unit { code } } }
} } } }"""
EMPLOYEES = """{ employees(first: %d) { edges { node {
  nip access birthDate assignments { startDate position { code } } evaluations { year } trainingHours(year: 2025)
} } } }"""


@pytest.fixture
async def uncached(demo: DemoApi) -> AsyncIterator[Api]:
    settings = replace(demo.settings, viewer_cache_seconds=0)
    app = create_app(settings, demo.db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, settings, demo.db)


async def _cost(api: Api, query: str, first: int, user: str) -> tuple[int, int, list[str]]:
    """Statements for one page of ``first`` rows; the rows it returned; the access of each person."""
    with StatementCounter(api.db) as counter:
        response = await api.post(query % first, as_user=user)
    body = response.json()
    assert "errors" not in body, body["errors"]
    edges = next(iter(body["data"].values()))["edges"]
    return counter.count, len(edges), [str(p) for p in _accesses(body["data"])]


def _accesses(data: object) -> list[object]:
    if isinstance(data, dict):
        return [data["access"]] if "access" in data else [a for v in data.values() for a in _accesses(v)]
    if isinstance(data, list):
        return [a for v in data for a in _accesses(v)]
    return []


@pytest.mark.parametrize("query", [POSITIONS, EMPLOYEES], ids=["positions-with-holders", "employees"])
async def test_a_page_of_fifty_costs_the_statements_of_a_page_of_ten(demo: DemoApi, uncached: Api, query: str) -> None:
    head = await outsider(demo.db, "DINKES")
    demo.people["dinkes_head"] = head
    await grant_role(demo, "dinkes_head", "unit_head", "DINKES")
    seen: set[str] = set()
    for user in (head, demo.uid("auditor")):
        small, small_rows, _ = await _cost(uncached, query, 10, user)
        large, large_rows, accesses = await _cost(uncached, query, 50, user)
        assert (small_rows, large_rows) == (10, 50)
        assert small == large, (user, small, large)
        seen.update(accesses)
    assert seen == ({"FILE", "CARD"} if query is POSITIONS else {"FILE"}), "the pages hold the kinds they should"
