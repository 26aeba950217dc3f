"""Would a step pass its guards? The preview behind ``availableActions``, ``explain`` and ``policy check``.

An action shown as allowed must not then fail with GUARD_FAILED. So for every action the viewer may take,
the action's guards are run as the step would run them (the same ``GUARDS``, the same rule versions,
judged on the request's effective date), before anyone acts. Guards that judge the step's own input
(``judges_input``: hours claimed, ratings given) cannot be previewed and are left to the step.

A page of requests is previewed in a constant number of statements: the subjects and positions of the
page in two, then every guard's facts for every request grouped by kind (``facts_many``), one reader per
kind. The guards then run in Python on facts already read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.models import WorkflowRequest
from server.registry.queries import employees_by_id, positions_by_id
from server.rules import RuleNotFound
from workflows import active, catalog, facts_many, guards
from workflows.context import StepContext
from workflows.definition import ActionDef


@dataclass(frozen=True)
class Verdict:
    """What a step's guards would say now: the rules that would refuse it and their sentences (none: it passes)."""

    blocked_by: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()

    @property
    def passes(self) -> bool:
        return not self.blocked_by


def previewed(action: ActionDef) -> list[str]:
    """The action's guards a preview runs (all but those judging the step's own data)."""
    return [name for name in action.guards if not guards.GUARDS[name].judges_input]


def _judged(action: ActionDef) -> bool:
    """Whether a preview has anything to judge: guards, or a step forward (the subject must be active)."""
    return bool(previewed(action)) or (action.kind == "forward" and action.auto is None)


def sentence(result: guards.GuardResult) -> str:
    """The words of a failed guard, as GUARD_FAILED says them."""
    return f"{result.guard}: {result.message} ({result.rule_version or 'no rule version'})"


def first_action(request: WorkflowRequest, name: str) -> ActionDef | None:
    """The definition entry ``name`` takes from the request's state (the first of its outcomes)."""
    definition = catalog.by_version(request.definition_version)
    return next((a for a in definition.actions_from(request.state) if a.name == name), None)


async def preview(
    session: AsyncSession, asks: Sequence[tuple[WorkflowRequest, str]], today: dt.date
) -> dict[tuple[int, str], Verdict]:
    """``(request id, action) -> Verdict`` for each ask (the action as the request's state takes it)."""
    chosen = [(request, first_action(request, name)) for request, name in asks]
    work = [(request, action) for request, action in chosen if action is not None and _judged(action)]
    verdicts: dict[tuple[int, str], Verdict] = {(r.id, name): Verdict() for r, name in asks}
    if not work:
        return verdicts
    requests = {r.id: r for r, _ in work}.values()
    subjects = await employees_by_id(session, [r.subject_employee_id for r in requests])
    ids = [p for r in requests for p in (r.step_position_id, r.origin_position_id) if p is not None]
    positions = await positions_by_id(session, ids)
    contexts = {
        r.id: StepContext(
            session,
            r,
            subjects[r.subject_employee_id],
            positions.get(r.step_position_id) if r.step_position_id is not None else None,
            positions.get(r.origin_position_id) if r.origin_position_id is not None else None,
            today,
        )
        for r in requests
    }
    asked = {(r.id, a.name): guards.questions(previewed(a), contexts[r.id]) for r, a in work}
    answers = await facts_many.answer_many(session, [q for qs in asked.values() for q in qs])
    for (rid, _action), questions in asked.items():
        contexts[rid].known({q: answers[q] for q in questions})
    for request, action in work:
        stopped = active.moves_forward_refused(contexts[request.id].subject, action)
        if stopped is not None:
            verdicts[(request.id, action.name)] = Verdict((active.RULE,), (stopped,))
            continue
        verdicts[(request.id, action.name)] = await _judge(contexts[request.id], previewed(action))
    return verdicts


async def _judge(ctx: StepContext, names: Sequence[str]) -> Verdict:
    refused: list[str] = []
    sentences: list[str] = []
    for name in names:
        try:
            result = await guards.GUARDS[name].check(ctx)
        except RuleNotFound as exc:
            refused.append(name)
            sentences.append(f"{name}: {exc}")
            continue
        if result.refuses:
            refused.append(result.guard)
            sentences.append(sentence(result))
    return Verdict(tuple(refused), tuple(sentences))
