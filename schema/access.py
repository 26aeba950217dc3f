"""One access log line per HTTP request: method, path, status, milliseconds, and the user id when a token
named one; the correlation id comes with every line (server/logs.py).

It runs inside ``RequestIdMiddleware`` (so the line carries the request's id) and outside everything that
may answer early (a 413, a 401, a 429, a 503 are logged too). Kept cheap: nothing is done when the
``asnflow.access`` logger would drop the line, and the line's fields are four values already at hand.
"""

from __future__ import annotations

import logging
import time

from schema.http import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("asnflow.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
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
            fields = {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": scope.get("state", {}).get("user_id"),
            }
            log.info("%s %s %s", method, path, status, extra=fields)
