"""Civil-service ranks (pangkat/golongan) I/a..IV/e in order, with their names (PP 99/2000, as amended)."""

from __future__ import annotations

RANKS: tuple[tuple[str, str], ...] = (
    ("I/a", "Juru Muda"),
    ("I/b", "Juru Muda Tingkat I"),
    ("I/c", "Juru"),
    ("I/d", "Juru Tingkat I"),
    ("II/a", "Pengatur Muda"),
    ("II/b", "Pengatur Muda Tingkat I"),
    ("II/c", "Pengatur"),
    ("II/d", "Pengatur Tingkat I"),
    ("III/a", "Penata Muda"),
    ("III/b", "Penata Muda Tingkat I"),
    ("III/c", "Penata"),
    ("III/d", "Penata Tingkat I"),
    ("IV/a", "Pembina"),
    ("IV/b", "Pembina Tingkat I"),
    ("IV/c", "Pembina Utama Muda"),
    ("IV/d", "Pembina Utama Madya"),
    ("IV/e", "Pembina Utama"),
)
RANK_CODES: tuple[str, ...] = tuple(code for code, _ in RANKS)
RANK_NAMES: dict[str, str] = dict(RANKS)
_ORDER: dict[str, int] = {code: i for i, code in enumerate(RANK_CODES)}


def is_rank(code: str) -> bool:
    return code in _ORDER


def rank_index(code: str) -> int:
    """Position of ``code`` in the order I/a=0 .. IV/e=16; KeyError for an unknown code."""
    return _ORDER[code]


def next_rank(code: str) -> str | None:
    i = _ORDER[code] + 1
    return RANK_CODES[i] if i < len(RANK_CODES) else None


def group(code: str) -> str:
    """The group (golongan) of a rank: ``III/b`` -> ``III``."""
    return code.split("/")[0]
