"""``Date`` that refuses an impossible date with a sentence naming the value ("2024-02-30 is not a date")."""

from __future__ import annotations

import datetime as dt

import strawberry
from graphql import GraphQLError


def _parse_date(value: object) -> dt.date:
    """A GraphQLError, not a ValueError: graphql-core passes its message to the client as it is, for a
    variable and for a literal alike, where a ValueError from a literal was masked as "Unexpected error."."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise GraphQLError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-10-01")


Date = strawberry.scalar(
    name="Date",
    description="A calendar date, YYYY-MM-DD.",
    serialize=lambda d: d.isoformat(),
    parse_value=_parse_date,
)

SCALAR_OVERRIDES: dict[object, object] = {dt.date: Date}
