"""The execution shortcuts answer exactly as strawberry and graphql-core do, errors included."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from schema.execution import AsnflowExecutionContext, leaf_plan, streamline_resolvers


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Deny(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Leaf:
    name: str
    count: int | None
    colour: Colour
    strict: str  # holds None on purpose in one row: a non-null violation

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def with_info(self, info: Info) -> str:
        return f"{self.name}@{info.path.key}"

    @strawberry.field
    def with_arg(self, suffix: str = "!") -> str:
        return self.name + suffix

    @strawberry.field(permission_classes=[Deny])
    def secret(self) -> str | None:
        return "leaked"

    @strawberry.field
    def nested(self) -> Leaf | None:
        return Leaf(name=self.name + "+", count=None, colour=Colour.BLUE, strict="x") if self.count else None


@strawberry.type
class Query:
    @strawberry.field
    def leaves(self) -> list[Leaf]:
        return [
            Leaf(name="a", count=1, colour=Colour.RED, strict="ok"),
            Leaf(name="b", count=None, colour=Colour.BLUE, strict="ok"),
        ]

    @strawberry.field
    def broken(self) -> list[Leaf | None]:
        return [
            Leaf(name="c", count=2, colour=Colour.RED, strict=None),  # type: ignore[arg-type]
            Leaf(name="d", count=3, colour="purple", strict="ok"),  # type: ignore[arg-type]
            Leaf(name="e", count=4, colour=Colour.RED, strict="ok"),
        ]


QUERIES = [
    '{ leaves { name count colour strict shout withInfo withArg withArg2: withArg(suffix: "?") nested { name } } }',
    "{ leaves { ... on Leaf { n: name, c: count } name @skip(if: true) } }",
    "{ leaves { secret name } }",
    "{ broken { name strict } }",
    "{ broken { name colour } }",
    "{ broken { nested { strict colour } } }",
    "{ __typename leaves { __typename name } }",
]


def _answers(context: type[Any], streamline: bool) -> list[dict[str, Any]]:
    schema = strawberry.Schema(query=Query, execution_context_class=context)
    if streamline:
        assert streamline_resolvers(schema) > 0
    out = []
    for query in QUERIES:
        result = schema.execute_sync(query)
        out.append(
            {
                "data": result.data,
                "errors": [(e.message, e.path) for e in result.errors or []],
            }
        )
    return out


def test_every_query_answers_the_same_with_and_without_the_shortcuts() -> None:
    stock = _answers(StrawberryGraphQLCoreExecutionContext, streamline=False)
    fast = _answers(AsnflowExecutionContext, streamline=True)
    assert fast == stock
    assert any(answer["errors"] for answer in stock)  # the error cases really are errors


def test_only_plain_leaves_and_plain_methods_are_shortcut() -> None:
    schema = strawberry.Schema(query=Query)
    streamline_resolvers(schema)
    leaf = schema._schema.type_map["Leaf"]
    fields = leaf.fields  # type: ignore[attr-defined]
    assert {name for name, f in fields.items() if leaf_plan(f) is not None} == {"name", "count", "colour", "strict"}
    direct = {name for name, f in fields.items() if f.resolve.__qualname__.startswith("_calling")}
    assert direct == {"shout", "nested"}  # not withInfo, withArg (arguments) or secret (a permission)
