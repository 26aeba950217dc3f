"""The process's Prometheus registry and the counters the core records: every command's outcome.

``schema.metrics`` serves the registry at ``/metrics`` and adds the HTTP-side series to it; the command
counter is here because every command, whichever layer sends it (a GraphQL mutation, ``workflows tick``),
passes through the core's write path (``server.commands``), which counts it once.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry()

COMMANDS = Counter(
    "asnflow_workflow_actions_total",
    "Commands by name and outcome (ok or the error code), GraphQL mutations and scheduler steps alike",
    ["command", "outcome"],
    registry=REGISTRY,
)


def record_command(command: str, error_codes: list[str]) -> None:
    """Count one command: ``ok``, or the first error code that stopped it."""
    COMMANDS.labels(command, error_codes[0] if error_codes else "ok").inc()
