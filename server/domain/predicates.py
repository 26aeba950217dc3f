"""Performance predicates (SKP), best first, and what counts as at least Baik."""

from __future__ import annotations

PREDICATES: tuple[str, ...] = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
AT_LEAST_BAIK: frozenset[str] = frozenset({"Sangat Baik", "Baik"})


def is_predicate(value: str) -> bool:
    return value in PREDICATES
