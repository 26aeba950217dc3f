"""A per-client rate limit for anonymous GraphQL traffic: a token bucket per client address.

Anyone may read the public figures without a token, so without a limit one client could keep every
admission place busy. Each client address gets a bucket of ``burst`` requests that refills at
``rate`` requests a second; a request that finds the bucket empty is answered 429 with
``Retry-After`` (whole seconds until a request is allowed again), having done nothing. Requests with a
valid bearer token are not limited here: they are accountable, and the admission queue keeps them
fair. Health, readiness and metrics are never limited.

The buckets live in the process (one set per worker, forgotten on restart): with ``--workers N`` a
client gets up to N times the rate. The address is the connection's peer as uvicorn reports it;
behind a reverse proxy run uvicorn with ``--proxy-headers`` and ``--forwarded-allow-ips`` so that it is
the client's, not the proxy's. At most ``max_clients`` buckets are kept: the least recently used
ones are dropped first (a dropped client starts again with a full bucket).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from schema.http import ASGIApp, Receive, Scope, Send, send_json

LIMITED_PATHS = frozenset({"/graphql", "/public/statistics.csv"})
SETTINGS = "ASNFLOW_ANONYMOUS_RATE_PER_SECOND / ASNFLOW_ANONYMOUS_BURST"


class TokenBuckets:
    """``take(key)`` is 0.0 when a request may go ahead, else the seconds until one may."""

    def __init__(
        self, *, rate: float, burst: int, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


class AnonymousRateLimitMiddleware:
    """Runs inside ``TokenMiddleware``: a request without a user id in its state is anonymous."""

    def __init__(self, app: ASGIApp, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate=rate, burst=burst, clock=clock) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.buckets is None
            or scope["type"] != "http"
            or scope.get("path") not in LIMITED_PATHS
            or scope.get("state", {}).get("user_id") is not None
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.buckets.take(str(client[0]) if client else "-")
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            body = {
                "errors": [
                    {
                        "message": (
                            f"too many requests without a token from your address; nothing was done, retry in "
                            f"{seconds} s or sign in (anonymous clients may make {self.buckets.rate:g} requests a "
                            f"second, {self.buckets.burst} at once: {SETTINGS})"
                        ),
                        "extensions": {"code": "RATE_LIMITED"},
                    }
                ]
            }
            await send_json(send, 429, body, [(b"retry-after", str(seconds).encode())])
            return
        await self.app(scope, receive, send)
