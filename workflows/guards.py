"""The guard registry: named eligibility rules, each reading the rule version in force for the request and
saying why it failed.

A guard answers a ``GuardResult``: the rule's name, whether it held, a sentence naming the values that
decided it, and the rule version and legal basis it applied. ``blocking=False`` marks a warning: it is
recorded in the audit event but does not stop the step (for example rank outside the position's range
when configured as a warning, or a transfer before 2 years in post with an exception reason).

The guards themselves live by topic in the modules that register them with ``@guard`` (``rank_guards``,
``position_guards``, ``record_guards``, ``evaluation_guards`` and the others ``workflows.catalog`` lists).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workflows import facts
from workflows.context import StepContext


@dataclass(frozen=True)
class GuardResult:
    guard: str
    passed: bool
    message: str
    rule_version: str | None = None
    legal_basis: str | None = None
    blocking: bool = True

    @property
    def refuses(self) -> bool:
        return not self.passed and self.blocking

    @property
    def warns(self) -> bool:
        return not self.passed and not self.blocking


GuardFn = Callable[[StepContext], Awaitable[GuardResult]]
# The fact a guard will ask for (None: none in this case), so that a step asks its guards' facts together.
ReadsFn = Callable[[StepContext], facts.Question[Any] | list[facts.Question[Any]] | None]


@dataclass(frozen=True)
class Guard:
    name: str
    rules: tuple[str, ...]
    check: GuardFn
    reads: ReadsFn | None = None
    judges_input: bool = False


GUARDS: dict[str, Guard] = {}


def guard(
    name: str, *rules: str, reads: ReadsFn | None = None, judges_input: bool = False
) -> Callable[[GuardFn], GuardFn]:
    """Register ``check`` as the guard ``name``, reading the rule versions ``rules`` and the fact ``reads``
    names (``check`` asks for it with ``ctx.fact``, built by the same function). ``judges_input``: the guard
    judges the data given with the step itself (hours claimed, ratings), so it cannot be previewed before
    the step is taken; ``availableActions`` previews every other guard (``workflows.preview``)."""

    def register(check: GuardFn) -> GuardFn:
        known = GUARDS.get(name)
        if known is not None and (known.check.__module__, known.check.__qualname__) != (
            check.__module__,
            check.__qualname__,
        ):
            raise ValueError(f"guard {name!r} is registered twice: {known.check.__module__} and {check.__module__}")
        GUARDS[name] = Guard(name, rules, check, reads, judges_input)
        return check

    return register


def _result(
    ctx: StepContext, name: str, rule: str | None, passed: bool, message: str, blocking: bool = True
) -> GuardResult:
    version = ctx.rule(rule) if rule else None
    return GuardResult(
        guard=name,
        passed=passed,
        message=message,
        rule_version=version.version_id if version else None,
        legal_basis=version.legal_basis if version else None,
        blocking=blocking,
    )


async def evaluate(names: Sequence[str], ctx: StepContext) -> list[GuardResult]:
    """Every named guard, in order: all of them run, so a refusal names every failed rule at once.

    The facts they read are fetched first, all in one statement."""
    await ctx.ask(questions(names, ctx))
    return [await GUARDS[name].check(ctx) for name in names]


def questions(names: Sequence[str], ctx: StepContext) -> list[facts.Question[Any]]:
    asked = []
    for name in names:
        reads = GUARDS[name].reads
        if reads is None:
            continue
        try:
            question = reads(ctx)
        except Exception:  # e.g. no rule version in force: left to the guard, which raises it in its turn
            continue
        if isinstance(question, list):
            asked.extend(question)
        elif question is not None:
            asked.append(question)
    return asked
