"""Prometheus labels come from a bounded set: 600 made-up operation names cannot grow ``/metrics``.

Found: every ``operationName`` became a label value, a new histogram series that ``/metrics`` reports
for ever: 600 made-up names grew it by 790 KB. Now the ``operation`` label is one of the names listed in
``ASNFLOW_METRIC_OPERATIONS``, one of the first ``OPERATION_SLOTS`` other names the process sees, or
``other``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import httpx

from schema.app import create_app
from schema.metrics import OPERATION_SLOTS, OperationLabels
from tests.api.helpers import DemoApi

LABEL = re.compile(r'^asnflow_graphql_operation_seconds_count\{operation="([^"]*)"', re.M)


async def metrics(client: httpx.AsyncClient) -> str:
    return (await client.get("/metrics")).text


async def test_six_hundred_made_up_operation_names_leave_metrics_bounded(demo: DemoApi) -> None:
    settings = replace(demo.settings, metric_operations=frozenset({"PositionsPage"}))
    app = create_app(settings, demo.db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        before = await metrics(client)

        async def ask(name: str) -> None:
            response = await client.post("/graphql", json={"query": f"query {name} {{ __typename }}"})
            assert response.status_code == 200

        for i in range(OPERATION_SLOTS):
            await ask(f"Made{i}")
        filled = await metrics(client)
        for i in range(OPERATION_SLOTS, 600):
            await ask(f"Made{i}")
        await ask("PositionsPage")  # a listed name keeps its label after the slots are gone
        after = await metrics(client)

    new_labels = set(LABEL.findall(after)) - set(LABEL.findall(before))
    assert {f"Made{i}" for i in range(600)} & new_labels == {f"Made{i}" for i in range(OPERATION_SLOTS)}
    assert new_labels - {f"Made{i}" for i in range(OPERATION_SLOTS)} <= {"other", "PositionsPage"}
    # 570 more names added two series (other, PositionsPage), not 570: a few KB, where 600 names were 790 KB.
    assert len(after) - len(filled) < 4_000


def test_a_name_is_a_label_only_if_listed_or_early_and_well_formed() -> None:
    labels = OperationLabels(["Listed", "not a name!"], slots=2)
    assert labels.label(None) == "anonymous"
    assert labels.label("x" * 65) == "other"
    assert labels.label("bad-name") == "other"
    assert [labels.label(n) for n in ["A", "B", "C", "A", "Listed"]] == ["A", "B", "other", "A", "Listed"]
    assert labels.label("not a name!") == "other"
