"""Prometheus metrics at ``/metrics``: GraphQL latency by operation, errors, workflow actions, the pool.

Operation names are client-chosen strings, so only names made of word characters and at most 64 long
are used as labels; anything else is counted as ``other`` to keep the label set bounded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from server.db import Database

REGISTRY = CollectorRegistry()
_NAME = re.compile(r"^\w{1,64}$")

OPERATION_SECONDS = Histogram(
    "asnflow_graphql_operation_seconds",
    "GraphQL operation latency",
    ["operation", "type"],
    registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
)
OPERATION_ERRORS = Counter(
    "asnflow_graphql_errors_total", "GraphQL operations answered with errors", ["operation", "type"], registry=REGISTRY
)
WORKFLOW_ACTIONS = Counter(
    "asnflow_workflow_actions_total",
    "Workflow commands by command and outcome (ok or the error code)",
    ["command", "outcome"],
    registry=REGISTRY,
)
POOL_CHECKED_OUT = Gauge("asnflow_db_pool_checked_out", "Database connections in use", registry=REGISTRY)
POOL_SIZE = Gauge("asnflow_db_pool_size", "Database connections held by the pool", registry=REGISTRY)


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    return name if _NAME.match(name) else "other"


class MetricsExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        kind = ctx.operation_type.value if ctx.operation_type else "unknown"
        name = operation_label(ctx.operation_name)
        OPERATION_SECONDS.labels(name, kind).observe(time.perf_counter() - started)
        result = ctx.result
        if result is not None and getattr(result, "errors", None):
            OPERATION_ERRORS.labels(name, kind).inc()


def record_command(command: str, error_codes: list[str]) -> None:
    WORKFLOW_ACTIONS.labels(command, error_codes[0] if error_codes else "ok").inc()


def metrics_endpoint(db: Database) -> object:
    pool = db.engine.sync_engine.pool

    async def metrics(_: Request) -> Response:
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        if callable(checked_out):
            POOL_CHECKED_OUT.set(checked_out())
        if callable(size):
            POOL_SIZE.set(size())
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics
