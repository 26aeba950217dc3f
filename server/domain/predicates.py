"""Performance predicates (SKP), best first."""

from __future__ import annotations

PREDICATES: tuple[str, ...] = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
