"""Flood control for audited refusals: at most one audit event per source per window, with the count.

A refusal is worth an audit event (someone tried something), but an attacker can make refusals as fast
as the server answers them: 300 bad tokens wrote 300 audit rows, each a write transaction and a link
in the hash chain. ``FloodGate.should_audit(key)`` counts every refusal of a source (the key, e.g. the
client address) and says when to write: the first refusal of a window is audited at once (count 1),
the next ones are only counted, and the first refusal after the window has passed is audited with the
count of every refusal since the last event, itself included. Refusals after the last event of a
quiet source are not written until it comes back; exact totals are in ``/metrics``.

The state lives in the process; at most ``max_keys`` sources are remembered, the least recently
refused dropped first (a dropped source's next refusal is audited at once).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Window:
    audited_at: float
    pending: int


class FloodGate:
    def __init__(
        self, *, window_seconds: float = 60.0, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_seconds = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def should_audit(self, key: str) -> int | None:
        """Count one refusal from ``key``: the number of refusals the audit event should carry, or None."""
        now = self.clock()
        window = self._windows.pop(key, None)
        if window is None or now - window.audited_at >= self.window_seconds:
            count = 1 + (window.pending if window is not None else 0)
            self._remember(key, _Window(audited_at=now, pending=0))
            return count
        window.pending += 1
        self._remember(key, window)
        return None

    def _remember(self, key: str, window: _Window) -> None:
        self._windows[key] = window
        while len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)
