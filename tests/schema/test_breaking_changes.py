"""The published contract does not break: the live schema against ``schema/contract.graphql``.

``schema/contract.graphql`` is the SDL clients were given (a copy of schema/schema.graphql as round 2
began, committed once and never regenerated). graphql-core's ``find_breaking_changes`` lists every
removal, rename and type change a client would trip over; any one fails this test. Additions, and the
changes graphql-core calls "dangerous" (a new enum value, a new optional argument, a new interface on a
type), are allowed: they are how the API grows. To retire a name on purpose, deprecate it first.
"""

from __future__ import annotations

from pathlib import Path

from graphql import BreakingChangeType, build_schema, find_breaking_changes, find_dangerous_changes

from schema.schema import schema

CONTRACT = Path(__file__).parents[2] / "schema" / "contract.graphql"


def test_the_live_schema_breaks_nothing_in_the_published_contract() -> None:
    contract, live = build_schema(CONTRACT.read_text()), schema._schema
    broken = [f"{c.type.name}: {c.description}" for c in find_breaking_changes(contract, live)]
    assert broken == [], "the schema breaks clients of schema/contract.graphql:\n" + "\n".join(broken)


def test_the_check_catches_a_removed_field_a_changed_type_and_a_new_required_argument() -> None:
    """The comparison itself works: each kind of break the test exists for is found."""
    contract = build_schema("type Query { a: String  b: Int!  c(x: Int): String }")
    changed = build_schema("type Query { b: String  c(x: Int, y: Int!): String }")
    kinds = {c.type for c in find_breaking_changes(contract, changed)}
    assert kinds == {
        BreakingChangeType.FIELD_REMOVED,
        BreakingChangeType.FIELD_CHANGED_KIND,
        BreakingChangeType.REQUIRED_ARG_ADDED,
    }


def test_growing_the_schema_is_at_most_dangerous() -> None:
    contract = build_schema("enum K { A }  type Query { f(a: Int): K }")
    grown = build_schema("enum K { A B }  type Query { f(a: Int, b: Int): K  g: String }")
    assert find_breaking_changes(contract, grown) == []
    assert find_dangerous_changes(contract, grown) != []
