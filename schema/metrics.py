"""Prometheus metrics at ``/metrics``: GraphQL latency by operation, errors, workflow actions, the pool.

Operation names are client-chosen strings, and every label value is a new series that ``/metrics``
reports for ever (600 made-up ``operationName``s grew it by 790 KB). So the ``operation`` label comes
from a bounded set (``OperationLabels``): the names listed in ``ASNFLOW_METRIC_OPERATIONS`` (the names
your clients use), then the first ``OPERATION_SLOTS`` other names this process sees (so a deployment
that lists nothing still sees its clients' names), then ``other``. A name must be word characters, at
most 64 long, to be a label at all; an operation without a name is ``anonymous``.

With several worker processes (``asnflow serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR``) each
process writes its samples to files there and ``/metrics``, whichever worker answers, reports the sum
over all of them (prometheus_client's multiprocess mode): counters and histograms of every worker that
ever ran, pool gauges of the live ones. Without it, ``/metrics`` reports this process alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from functools import cache
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
from server.metrics import REGISTRY

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
POOL_CHECKED_OUT = Gauge(
    "asnflow_db_pool_checked_out", "Database connections in use", registry=REGISTRY, multiprocess_mode="livesum"
)
ADMISSION_WAITING = Gauge(
    "asnflow_admission_waiting",
    "GraphQL requests waiting for their turn (schema/admission.py)",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
TOKEN_REJECTIONS = Counter(
    "asnflow_token_rejections_total",
    "Bearer tokens refused (bad signature, expired, malformed); audited at most once a minute per source",
    registry=REGISTRY,
)
POOL_SIZE = Gauge(
    "asnflow_db_pool_size", "Database connections the pools keep", registry=REGISTRY, multiprocess_mode="livesum"
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


OPERATION_SLOTS = 30


class OperationLabels:
    """The ``operation`` label of a name: listed names, then first come first served up to ``slots``."""

    def __init__(self, listed: Iterable[str] = (), slots: int = OPERATION_SLOTS) -> None:
        self.listed = frozenset(n for n in listed if _NAME.match(n))
        self.slots = slots
        self._seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _NAME.match(name):
            return "other"
        if name in self.listed or name in self._seen:
            return name
        if len(self._seen) < self.slots:
            self._seen.add(name)
            return name
        return "other"


class MetricsExtension(SchemaExtension):
    def __init__(self, labels: OperationLabels) -> None:
        self.labels = labels

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        operation_type = ctx.operation_type
        kind = operation_type.value if operation_type else "unknown"
        name = self.labels.label(ctx.operation_name)
        seconds, errors = _series(name, kind)
        seconds.observe(time.perf_counter() - started)
        result = ctx.result
        if result is not None and getattr(result, "errors", None):
            errors.inc()


@cache
def _series(name: str, kind: str) -> tuple[Any, Any]:
    """The labelled histogram and error counter of an operation label, looked up once: prometheus_client's
    ``labels()`` checks and locks on every call. Bounded as the labels are (``OPERATION_SLOTS`` names)."""
    return OPERATION_SECONDS.labels(name, kind), OPERATION_ERRORS.labels(name, kind)


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


BULK_ITEMS = Histogram(
    "asnflow_bulk_items",
    "Items per bulk command (actMany, proposeRankPromotions); each item is also counted by asnflow_workflow_actions_total",
    ["command"],
    registry=REGISTRY,
    buckets=(0, 1, 5, 10, 25, 50, 100, 200),
)


def record_bulk(command: str, items: int) -> None:
    BULK_ITEMS.labels(command).observe(items)
