"""Flood control for audit events a caller can provoke at will: refusals of anonymous or unauthorised callers.

Every refusal is audited, but a refusal costs the caller one request and the database one row in a chain
that can never be shortened: a script sending mutations without a token, or probing request ids, would
otherwise write as many rows as it sends requests. A ``FloodGate`` bounds that. Per key (who or where the
attempt comes from, what was attempted, how it was answered) it lets ``burst`` events through per
``window_seconds``; further ones are only counted, and the next event let through for that key carries the
count (``repeats``), so the trail still says how many attempts there were. The number of keys tracked is
bounded too: when ``max_keys`` are in use and none has expired, new keys share one overflow key, so a
caller who varies the key (a new source each time) still writes at most ``max_keys + 1`` bursts per window.

A gate is kept per process and per database (``gate_for``); several server processes each bound their own
writes. The HTTP layer's aggregation of rejected tokens can share the same gate with its own keys.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass

OVERFLOW: tuple[str] = ("flood.overflow",)
WINDOW_SECONDS = 60.0
MAX_KEYS = 4096


@dataclass
class _Window:
    started: float
    admitted: int = 0
    suppressed: int = 0


class FloodGate:
    """At most ``burst`` events per key per ``window_seconds``; the rest are counted, not written."""

    def __init__(
        self,
        *,
        window_seconds: float = WINDOW_SECONDS,
        burst: int = 1,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window_seconds = window_seconds
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._windows: dict[Hashable, _Window] = {}
        self._carried: dict[Hashable, int] = {}

    def admit(self, key: Hashable, *, burst: int | None = None) -> int | None:
        """One occurrence of ``key``. None: do not write an event (it is counted). A number: write one, and
        record in it that many earlier occurrences of the key that were not written."""
        limit = self.burst if burst is None else burst
        now = self.clock()
        key = self._slot(key, now)
        window = self._windows.get(key)
        if window is None or now - window.started >= self.window_seconds:
            carried = self._carried.pop(key, 0) + (window.suppressed if window is not None else 0)
            self._windows[key] = _Window(started=now, admitted=1)
            return carried
        if window.admitted < limit:
            window.admitted += 1
            repeats, window.suppressed = window.suppressed, 0
            return repeats
        window.suppressed += 1
        return None

    def pending(self) -> dict[Hashable, int]:
        """Occurrences counted but not yet reported by a written event, per key (for metrics and tests)."""
        out = dict(self._carried)
        for key, window in self._windows.items():
            if window.suppressed:
                out[key] = out.get(key, 0) + window.suppressed
        return out

    def _slot(self, key: Hashable, now: float) -> Hashable:
        """``key`` itself while there is room for it; else the overflow key shared by every newcomer."""
        if key in self._windows or len(self._windows) < self.max_keys:
            return key
        for old, window in list(self._windows.items()):
            if now - window.started >= self.window_seconds:
                del self._windows[old]
                if window.suppressed:
                    self._carried[old] = self._carried.get(old, 0) + window.suppressed
        if len(self._carried) > self.max_keys:
            total = sum(self._carried.values())
            self._carried = {OVERFLOW: total}
        return key if len(self._windows) < self.max_keys else OVERFLOW


_GATES: weakref.WeakKeyDictionary[object, FloodGate] = weakref.WeakKeyDictionary()


def gate_for(owner: object) -> FloodGate:
    """The gate of ``owner`` (the process's ``Database``): created on first use, gone with the owner."""
    gate = _GATES.get(owner)
    if gate is None:
        gate = _GATES[owner] = FloodGate()
    return gate
