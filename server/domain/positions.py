"""Position types (jabatan) and which of them are managerial (one definitive holder)."""

from __future__ import annotations

POSITION_TYPES: tuple[str, ...] = (
    "JPT_UTAMA",
    "JPT_MADYA",
    "JPT_PRATAMA",
    "ADMINISTRATOR",
    "PENGAWAS",
    "PELAKSANA",
    "FUNGSIONAL",
)
MANAGERIAL_TYPES: frozenset[str] = frozenset({"JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS"})


def is_managerial(position_type: str) -> bool:
    return position_type in MANAGERIAL_TYPES
