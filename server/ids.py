"""Row ids as clients send them: digit strings that must fit the column before they reach SQL.

PostgreSQL refuses a parameter outside the column's range (``int4`` for ``Integer`` keys, ``int8`` for
``BigInteger``) with an error instead of "no such row"; an id that cannot exist reads as not found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.types import TypeEngine

INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def parse_row_id(raw: object, maximum: int = INTEGER_MAX) -> int | None:
    """The id in ``raw`` (ASCII digits, surrounding space allowed) or None when no row can have it."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 20:
        return None
    value = int(text)
    return value if value <= maximum else None


def fits_column(value: Any, column_type: TypeEngine[Any]) -> bool:
    """Whether ``value`` can be bound to a column of ``column_type`` without a database error."""
    if isinstance(column_type, Integer):
        maximum = BIGINT_MAX if isinstance(column_type, BigInteger) else INTEGER_MAX
        return isinstance(value, int) and not isinstance(value, bool) and -maximum - 1 <= value <= maximum
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return True
    return isinstance(value, python_type)
