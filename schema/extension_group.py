"""The schema's extensions run as one strawberry extension: the same hooks, in the same order, for less.

strawberry prepares every hook of every extension afresh for each operation: for each of the four steps
(operation, parsing, validation, execution) it inspects each extension's class for the hook, wraps the
hook in a ``contextlib`` context manager and enters it through an exit stack. With ten extensions that
was 40 inspections and a dozen context managers per request, about a third of the CPU of a trivial query
(bench/bench_trivial.py). ``ExtensionGroup`` is one ``SchemaExtension`` holding the members: strawberry
prepares its four hooks, and each hook runs its members' hooks of that step itself, as strawberry would:
entered in the members' order, finished in the reverse order, each member's code before its ``yield``
running before the step and its code after running after it. Which members have which hook is worked
out once per combination of classes.

Members are ordinary synchronous extensions (their hooks generator functions; no ``resolve``, which
strawberry turns into per-field middleware, and no asynchronous hooks: the group refuses both when built).
When the step raises, the members' hooks are closed innermost first and the exception goes on, as it
would through strawberry's exit stack for hooks that do not catch it (none of ours does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from inspect import isgeneratorfunction
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext, StreamExecutionResult

STEPS = ("on_operation", "on_parse", "on_validate", "on_execute", "on_stream_result")
_hooks_of: dict[tuple[type[SchemaExtension], ...], dict[str, tuple[int, ...]]] = {}


def _hooks(members: Sequence[SchemaExtension]) -> dict[str, tuple[int, ...]]:
    """For each step, the positions of the members whose class has a hook for it."""
    key = tuple(type(m) for m in members)
    found = _hooks_of.get(key)
    if found is None:
        for kind in key:
            if kind.resolve is not SchemaExtension.resolve:
                raise TypeError(f"{kind.__name__} resolves fields: it cannot run inside an ExtensionGroup")
        found = {}
        for step in STEPS:
            base = getattr(SchemaExtension, step)
            positions = tuple(i for i, kind in enumerate(key) if getattr(kind, step) is not base)
            for i in positions:
                if not isgeneratorfunction(getattr(key[i], step)):
                    raise TypeError(f"{key[i].__name__}.{step} must be a generator to run inside an ExtensionGroup")
            found[step] = positions
        _hooks_of[key] = found
    return found


class ExtensionGroup(SchemaExtension):
    """``members`` (already built for this operation) run as one extension."""

    def __init__(self, members: Sequence[SchemaExtension]) -> None:
        self.members = tuple(members)
        self.hooks = _hooks(self.members)

    @property
    def execution_context(self) -> ExecutionContext:
        return self.members[0].execution_context

    @execution_context.setter
    def execution_context(self, value: ExecutionContext) -> None:
        for member in self.members:
            member.execution_context = value

    def _run(self, step: str, *args: Any) -> Iterator[None]:
        running: list[Iterator[None]] = []
        try:
            for i in self.hooks[step]:
                hook: Iterator[None] = getattr(self.members[i], step)(*args)
                next(hook)
                running.append(hook)
            yield
        except BaseException:
            for hook in reversed(running):
                close = getattr(hook, "close", None)
                if close is not None:
                    close()
            raise
        for hook in reversed(running):
            for _ in hook:
                raise RuntimeError(f"a {step} hook yielded twice")

    def on_operation(self) -> Iterator[None]:
        yield from self._run("on_operation")

    def on_parse(self) -> Iterator[None]:
        yield from self._run("on_parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._run("on_validate")

    def on_execute(self) -> Iterator[None]:
        yield from self._run("on_execute")

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        yield from self._run("on_stream_result", result)

    def get_results(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for member in self.members:
            results.update(member.get_results())  # type: ignore[arg-type]
        return results


def grouped(factories: Sequence[Callable[[], SchemaExtension]]) -> Callable[[], SchemaExtension]:
    """A factory for strawberry's ``extensions``: one group per operation, each member from its factory."""

    def build() -> SchemaExtension:
        return ExtensionGroup([factory() for factory in factories])

    return build
