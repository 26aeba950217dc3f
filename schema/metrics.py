"""Prometheus metrics at ``/metrics``: GraphQL latency by operation, errors, workflow actions, the pool.

Operation names are client-chosen strings, so only names made of word characters and at most 64 long
are used as labels; anything else is counted as ``other`` to keep the label set bounded.

With several worker processes (``asnflow serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR``) each
process writes its samples to files there and ``/metrics``, whichever worker answers, reports the sum
over all of them (prometheus_client's multiprocess mode): counters and histograms of every worker that
ever ran, pool gauges of the live ones. Without it, ``/metrics`` reports this process alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from server.db import Database

REGISTRY = CollectorRegistry()
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
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
POOL_CHECKED_OUT = Gauge(
    "asnflow_db_pool_checked_out", "Database connections in use", registry=REGISTRY, multiprocess_mode="livesum"
)
ADMISSION_WAITING = Gauge(
    "asnflow_admission_waiting",
    "GraphQL requests waiting for their turn (schema/admission.py)",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "asnflow_db_pool_size", "Database connections the pools keep", registry=REGISTRY, multiprocess_mode="livesum"
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


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


def watch_pool(db: Database) -> None:
    """Keep the pool gauges current as connections come and go (not only when this process is scraped)."""
    engine = db.engine.sync_engine
    size = getattr(engine.pool, "size", None)
    if callable(size):
        POOL_SIZE.inc(size())

    def checked_out(*_: Any) -> None:
        POOL_CHECKED_OUT.inc()

    def checked_in(*_: Any) -> None:
        POOL_CHECKED_OUT.dec()

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)


def forget_process() -> None:
    """A worker stopping: its live gauges leave the sum (its counters stay, as counters must)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    if not multiprocess_mode():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def metrics(_: Request) -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
