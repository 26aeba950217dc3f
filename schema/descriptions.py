"""Descriptions for every type, field and enum value, filled in after the schema is built.

Most descriptions live in ``schema/descriptions.yaml``, keyed by schema coordinate, rather than beside each
field: a dozen people add fields to the same types at once, and one catalogue keeps their merges apart
and the wording consistent. A description written in the code wins over the catalogue. The repeated
shapes (connections, edges, ``idempotencyKey``, a payload's ``errors``) are described by rule here.
Arguments are left to their field's description: an argument with a description makes the SDL print
the field's arguments over several lines, and clients and tests read ``unit(code: String!): Unit``.
``missing`` and ``stale`` let a test fail on any element left without a description and on any
catalogue entry that names nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
)

from schema.types.vocabulary import RankCode
from server.domain.ranks import RANK_NAMES

CATALOGUE = Path(__file__).with_name("descriptions.yaml")
_IDEMPOTENCY = (
    "A key of your choosing: sent again with the same input it replays the first result instead of acting "
    "twice; with a different input it is refused (IDEMPOTENCY_MISMATCH)."
)


@cache
def catalogue() -> dict[str, str]:
    loaded = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in loaded.items()}


def _by_rule(coordinate: str) -> str | None:
    """The description of a repeated shape, or None."""
    owner, _, field = coordinate.partition(".")
    if owner.endswith("Connection"):
        item = owner.removesuffix("Connection")
        return {
            "": f"A page of {item} items (a Relay connection with keyset pagination).",
            "edges": f"This page's {item} items, each with its cursor.",
            "pageInfo": "Where this page lies, and the cursor to ask for the next one.",
            "totalCount": "How many items match in all, across every page.",
        }.get(field)
    if owner.endswith("Edge"):
        item = owner.removesuffix("Edge")
        return {
            "": f"One {item} of a page, with its cursor.",
            "cursor": "Pass it as `after` to continue after this item.",
            "node": f"The {item}.",
        }.get(field)
    if owner == "RankCode" and field in RankCode.__members__:
        code = RankCode[field].value
        return f"Rank {code}, {RANK_NAMES[code]}."
    if field == "idempotencyKey":
        return _IDEMPOTENCY
    if owner.endswith("Payload") and field == "errors":
        return "Expected refusals, each with a code and a sentence saying what to do; empty on success."
    return None


def _elements(schema: GraphQLSchema) -> Iterator[tuple[str, object]]:
    """(coordinate, element) for every described element of the schema's own types."""
    for name, named in schema.type_map.items():
        if name.startswith("__") or _is_builtin(named):
            continue
        yield name, named
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                yield f"{name}.{field_name}", field
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                yield f"{name}.{value_name}", value


def _is_builtin(named: GraphQLNamedType) -> bool:
    return named.name in {"String", "Int", "Float", "Boolean", "ID"}


def describe(schema: GraphQLSchema) -> None:
    """Give every element without a description its catalogue entry or its rule's sentence."""
    words = catalogue()
    for coordinate, element in _elements(schema):
        if getattr(element, "description", None):
            continue
        text = words.get(coordinate) or _by_rule(coordinate)
        if text is not None:
            element.description = text  # type: ignore[attr-defined]


def missing(schema: GraphQLSchema) -> list[str]:
    """Coordinates still without a description."""
    return [c for c, element in _elements(schema) if not getattr(element, "description", None)]


def stale(schema: GraphQLSchema) -> list[str]:
    """Catalogue entries that name no element of the schema."""
    present = {c for c, _ in _elements(schema)}
    return sorted(set(catalogue()) - present)
