"""Per-request values every layer may read without passing them around: the correlation id."""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("asnflow_correlation_id", default=None)
