"""Per-request values every layer may read without passing them around: the server's correlation id, the
id the client sent (``X-Request-Id``, kept apart so a client cannot choose the id its requests are filed under),
and the client's address.
"""

from __future__ import annotations

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("asnflow_correlation_id", default=None)
client_request_id: ContextVar[str | None] = ContextVar("asnflow_client_request_id", default=None)
# Where the request came from (the peer address as the ASGI server saw it): what keys the flood control of
# refusals by callers without a user id (server.audit.flood).
client: ContextVar[str | None] = ContextVar("asnflow_client", default=None)
