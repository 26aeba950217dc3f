"""One access log line per HTTP request: method, path, status, milliseconds, and the user id when a token
named one; the correlation id comes with every line (server/logs.py).

It runs inside ``RequestIdMiddleware`` (so the line carries the request's id) and outside everything that
may answer early (a 413, a 401, a 429, a 503 are logged too). Kept cheap: structlog's filtering logger,
configured by ``server.logs.configure`` (``asnflow serve``), renders the fields at hand with orjson; the
middleware is in the app only when ``ASNFLOW_ACCESS_LOG`` is on (the default for a served app; an app built
in code, as tests build it, has it off unless its settings say so).
"""

from __future__ import annotations

import time

import structlog

from schema.http import ASGIApp, Message, Receive, Scope, Send


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # one per app: it keeps the structlog configuration in force when the app first logs
        self.log = structlog.get_logger()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when nothing answered (the error middleware's)

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            method, path = scope["method"], scope["path"]
            self.log.info(
                f"{method} {path} {status}",
                logger="asnflow.access",
                method=method,
                path=path,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                user_id=scope.get("state", {}).get("user_id"),
            )
