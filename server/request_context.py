"""Per-request values every layer may read without passing them around: the correlation id, the client."""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("asnflow_correlation_id", default=None)
# Where the request came from (the peer address as the ASGI server saw it): what keys the flood control of
# refusals by callers without a user id (server.audit.flood).
client: ContextVar[str | None] = ContextVar("asnflow_client", default=None)
