"""The compiled completion answers exactly as strawberry and graphql-core do, or hands the operation back."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import pytest
import strawberry
from graphql import GraphQLSchema, OperationDefinitionNode
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info

from schema.plan.compile import Fallback, compile_object


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
    "{ leaves { name colour shout nested { name count } } }",
    "{ a: leaves { name } b: leaves { count } }",
    "{ leaves { name } leaves { count } }",
]
# Covered: plain fields, attributes and methods without info or permission, aliases, __typename.
COVERED = {0: False, 1: False, 2: False, 3: True, 4: True, 5: True, 6: True, 7: True, 8: True, 9: False}


class Capture(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor unchanged, remembering the schema and operation it was built with."""

    seen: ClassVar[list[tuple[GraphQLSchema, OperationDefinitionNode]]] = []

    def execute_operation(self, serially: bool | None = None) -> Any:
        Capture.seen.append((self.schema, self.operation))
        return super().execute_operation(serially)


@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_the_compiled_answer_is_graphql_cores_or_a_fallback(index: int) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=Capture)
    stock = schema.execute_sync(QUERIES[index])
    graphql_schema, operation = Capture.seen[-1]
    assert graphql_schema.query_type is not None
    complete = compile_object(graphql_schema.query_type, operation.selection_set)
    assert (complete is not None) == COVERED[index]
    if complete is None:
        return
    if stock.errors:  # an error or a null where graphql-core reports one: the compiled path hands over
        with pytest.raises(Fallback):
            complete(Query())
    else:
        assert complete(Query()) == stock.data


def test_the_error_cases_are_errors_on_graphql_core() -> None:
    schema = strawberry.Schema(query=Query)
    assert schema.execute_sync(QUERIES[3]).errors and schema.execute_sync(QUERIES[4]).errors
