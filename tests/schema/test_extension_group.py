"""The schema's extensions run as one ``ExtensionGroup``: each step runs its members' hooks in their order,
finished in reverse, as strawberry runs separate extensions; what is worked out from a parsed document is
kept per document object and forgotten with it."""

from __future__ import annotations

import gc
from collections.abc import Generator, Iterator
from typing import Any, cast

import graphql
import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from schema.extension_group import ExtensionGroup, grouped
from schema.per_document import remembered


def _recorder(name: str, seen: list[str]) -> type[SchemaExtension]:
    class Recorder(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            seen.append(f"{name} operation in")
            yield
            seen.append(f"{name} operation out")

        def on_execute(self) -> Iterator[None]:
            seen.append(f"{name} execute in ({self.execution_context.operation_name})")
            yield
            seen.append(f"{name} execute out")

    return Recorder


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


async def test_members_run_in_their_order_and_finish_in_reverse_as_separate_extensions_would() -> None:
    grouped_seen: list[str] = []
    separate_seen: list[str] = []
    first, second = _recorder("a", grouped_seen), _recorder("b", grouped_seen)
    schema = strawberry.Schema(query=Query, extensions=[grouped([first, second])])
    separate = strawberry.Schema(query=Query, extensions=[_recorder("a", separate_seen), _recorder("b", separate_seen)])
    result = await schema.execute("query Q { hello }", operation_name="Q")
    await separate.execute("query Q { hello }", operation_name="Q")
    assert result.data == {"hello": "world"} and result.errors is None
    assert (
        grouped_seen
        == separate_seen
        == [
            "a operation in",
            "b operation in",
            "a execute in (Q)",
            "b execute in (Q)",
            "b execute out",
            "a execute out",
            "b operation out",
            "a operation out",
        ]
    )


def test_a_raising_step_closes_the_members_hooks_and_the_error_goes_on() -> None:
    closed: list[str] = []

    class Closing(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            try:
                yield
            except GeneratorExit:
                closed.append("closed")
                raise

    group = ExtensionGroup([Closing(), Closing()])
    step = cast(Generator[None, None, None], group.on_execute())
    next(step)
    with pytest.raises(RuntimeError, match="boom"):
        step.throw(RuntimeError("boom"))
    assert closed == ["closed", "closed"]


def test_a_member_that_resolves_fields_is_refused() -> None:
    class Resolving(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            return _next(root, info, *args, **kwargs)

    with pytest.raises(TypeError, match="Resolving resolves fields"):
        ExtensionGroup([Resolving()])


def test_a_document_is_worked_out_once_per_object_and_forgotten_with_it() -> None:
    calls: list[int] = []

    def counted(value: int) -> int:
        calls.append(value)
        return value

    document = graphql.parse("{ hello }")
    assert remembered(document, "size", lambda: counted(1)) == 1
    assert remembered(document, "size", lambda: counted(2)) == 1  # the same object: kept
    same_text = graphql.parse("{ hello }")
    assert remembered(same_text, "size", lambda: counted(3)) == 3  # another object: its own
    assert calls == [1, 3]
    del document, same_text
    gc.collect()
    fresh = graphql.parse("{ hello }")
    assert remembered(fresh, "size", lambda: 4) == 4
