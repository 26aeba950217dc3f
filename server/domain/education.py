"""Education levels in order and the rank range each allows for regular promotion (DOMAIN.md)."""

from __future__ import annotations

EDUCATION_LEVELS: tuple[str, ...] = ("SD", "SLTP", "SLTA", "D-I", "D-II", "D-III", "D-IV", "S1", "S2", "S3")
_ORDER = {level: i for i, level in enumerate(EDUCATION_LEVELS)}

# Starting rank and cap of regular promotion by education (BKN rules; DOMAIN.md "Education caps").
# D-II is not named in DOMAIN.md; it is treated like D-I, the level below D-III.
EDUCATION_RANK_RANGE: dict[str, tuple[str, str]] = {
    "SD": ("I/a", "II/a"),
    "SLTP": ("I/c", "II/c"),
    "SLTA": ("II/a", "III/b"),
    "D-I": ("II/a", "III/b"),
    "D-II": ("II/a", "III/b"),
    "D-III": ("II/c", "III/c"),
    "D-IV": ("III/a", "III/d"),
    "S1": ("III/a", "III/d"),
    "S2": ("III/b", "IV/a"),
    "S3": ("III/c", "IV/b"),
}


def is_education(level: str) -> bool:
    return level in _ORDER


def education_at_least(level: str, minimum: str) -> bool:
    return _ORDER[level] >= _ORDER[minimum]
