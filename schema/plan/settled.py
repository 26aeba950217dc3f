"""A root field's outcome that the compiled path already has, for graphql-core to answer from on a fallback.

A command runs once. When the compiled path (schema/plan/command.py) has run a command and then cannot
complete its answer exactly as graphql-core would (a value a scalar refuses, a null where none may be), or
the command raised, graphql-core executes the operation instead: the command's resolver then answers with
the outcome kept here under its response key, instead of running the command a second time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from schema.context import Info

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What the command gave: its value, or the exception it raised."""

    value: Any = None
    error: Exception | None = None

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


async def settled(info: Info, run: Callable[[], Awaitable[T]]) -> T:
    """``run()``, unless the compiled path already ran it for this response key: then what it gave."""
    outcome = info.context.settled.pop(str(info.path.key), None)
    if outcome is None:
        return await run()
    result: T = outcome.result()
    return result
