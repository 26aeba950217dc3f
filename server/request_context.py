"""Per-request values every layer may read without passing them around: the server's correlation id and the
id the client sent (``X-Request-Id``), kept apart so a client cannot choose the id its requests are filed under.
"""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("asnflow_correlation_id", default=None)
client_request_id: ContextVar[str | None] = ContextVar("asnflow_client_request_id", default=None)
