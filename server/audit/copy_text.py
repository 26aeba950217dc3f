"""PostgreSQL's COPY text format, as ``queries.chain_copy_sql`` streams the log to the verifier.

A chunk of whole lines is split at tabs alone (every line ends in an empty column, so each row's hash
field, its first, starts with the line break of the row before). These helpers turn fields back into
values: for the exact path one row at a time (``copy_row``), and for the fast path the ``at`` column of
a whole chunk into its canonical form at once (``canonical_ats``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from server.audit.encoding import CHAIN, COPY_COLUMNS, INT_FIELDS, NF

_FULL_AT = len(b"2026-01-05 08:00:00.037001+00")
_SHORT_AT = re.compile(rb"[^%c]" % _FULL_AT)
_COPY_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_COPY_CHARS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def copy_text(raw: bytes) -> str | None:
    """One field of COPY text format: ``\\N`` is NULL; backslash escapes stand for the character."""
    if raw == b"\\N":
        return None
    if b"\\" in raw:
        raw = _COPY_ESCAPE.sub(lambda m: _COPY_CHARS.get(m[1], m[1]), raw)
    return raw.decode()


def copy_row(flat: Sequence[bytes], i: int) -> tuple[Any, ...]:
    """Row ``i`` of a split COPY chunk as a ``queries.CHAIN_COLUMN_NAMES`` tuple, for the exact path."""
    values: dict[str, Any] = {}
    for name, raw in zip(COPY_COLUMNS, flat[i * NF : (i + 1) * NF], strict=True):
        value: Any = copy_text(unprefixed(raw) if name == "hash" else raw)
        if name in INT_FIELDS and value is not None:
            value = None if value == "null" else int(value)
        values[name] = value
    return tuple(values[name] for name in CHAIN)


def unprefixed(hash_field: bytes) -> bytes:
    """A hash field of a split COPY chunk without the line break that ends the row before it."""
    return hash_field[1:] if hash_field[:1] == b"\n" else hash_field


def _pad_at(at: bytes) -> bytes:
    """PostgreSQL prints ``YYYY-MM-DD HH:MM:SS.ffffff+00`` without trailing zeros of the fraction: put them back.

    Anything else (a year past 9999, BC, infinity) is left as it is and cannot match a canonical ``at``.
    """
    if len(at) >= 22 and at[4:5] == b"-" and at[10:11] == b" " and at.endswith(b"+00"):
        if len(at) == 22:
            return at[:19] + b".000000+00"
        if at[19:20] == b"." and at[20:-3].isdigit():
            return at[:20] + at[20:-3].ljust(6, b"0") + b"+00"
    return at


def canonical_ats(ats: list[bytes]) -> list[bytes]:
    """A chunk's ``at`` fields as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (``ats`` is padded in place)."""
    n = len(ats)
    try:
        lengths = bytes(map(len, ats))
    except ValueError:  # a value of 256 bytes or more: not a time as PostgreSQL prints one
        lengths = b""
    if lengths.count(_FULL_AT) != n:
        for i in [m.start() for m in _SHORT_AT.finditer(lengths)] if lengths else range(n):
            ats[i] = _pad_at(ats[i])
    at_text = b"\n".join(ats) + b"\n"
    normalised = at_text.replace(b" ", b"T").replace(b"+00\n", b"Z\n").split(b"\n")
    normalised.pop()
    return normalised
