"""The flood gate: a bounded number of audit events per key and window, the rest counted and reported later."""

from __future__ import annotations

from server.audit.flood import OVERFLOW, FloodGate, gate_for


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_event_per_key_and_window_and_the_next_carries_the_count() -> None:
    clock = Clock()
    gate = FloodGate(window_seconds=60, clock=clock)
    assert gate.admit("k") == 0
    assert [gate.admit("k") for _ in range(5)] == [None] * 5
    assert gate.pending() == {"k": 5}
    clock.now = 59.9
    assert gate.admit("k") is None
    clock.now = 60.0
    assert gate.admit("k") == 6
    assert gate.pending() == {}


def test_keys_are_counted_apart() -> None:
    gate = FloodGate(clock=Clock())
    assert (gate.admit(("a", "act")), gate.admit(("b", "act")), gate.admit(("a", "propose"))) == (0, 0, 0)
    assert gate.admit(("a", "act")) is None


def test_a_burst_lets_that_many_through_before_counting() -> None:
    clock = Clock()
    gate = FloodGate(burst=3, clock=clock)
    assert [gate.admit("k") for _ in range(5)] == [0, 0, 0, None, None]
    clock.now = 61
    assert gate.admit("k") == 2
    assert gate.admit("k", burst=1) is None, "a caller may ask for a smaller burst for its keys"


def test_new_keys_beyond_the_bound_share_one_overflow_key() -> None:
    clock = Clock()
    gate = FloodGate(max_keys=3, clock=clock)
    written = [gate.admit(f"client-{n}") for n in range(100)]
    assert written[:4] == [0, 0, 0, 0], "three keys of their own, then the overflow key's first event"
    assert written[4:] == [None] * 96
    assert gate.pending() == {OVERFLOW: 96}


def test_expired_keys_make_room_and_keep_their_count() -> None:
    clock = Clock()
    gate = FloodGate(max_keys=2, clock=clock)
    gate.admit("a")
    gate.admit("a")
    gate.admit("b")
    clock.now = 61
    assert gate.admit("c") == 0, "a and b expired: c gets a key of its own"
    assert gate.pending() == {"a": 1}
    assert gate.admit("a") == 1


def test_one_gate_per_owner() -> None:
    """Per database: tests (and processes) with their own database never share counts."""

    class Owner:
        pass

    a, b = Owner(), Owner()
    assert gate_for(a) is gate_for(a)
    assert gate_for(a) is not gate_for(b)
