"""The inbox: whether a listed task is overdue, and why it is blocked.

``myTasks`` lists what the viewer's roles and relations route to them (``repository.lists.inbox_tasks``).
Segregation of duties is judged on who proposed and who approved which step (the request's proposer and
``request_approvals``), which the list's SQL does not join, so a task the viewer may not take is still listed and says why
(``Task.blockedReason``): a unit head who proposed a transfer sees its release step and reads that the
proposer does not approve their own proposal, rather than wondering where the task went. The reason
comes from ``authorize.check``, the very rule ``act`` applies, on standings loaded once for the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from policies.viewer import Viewer
from server.models import Task, WorkflowRequest
from workflows import authorize, catalog
from workflows.authorize import Standing
from workflows.definition import ActorSpec
from workflows.repository.lists import utc


def is_overdue(due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Past its due time (``Task.overdue``; the same comparison as the ``overdue`` filter)."""
    return due_at is not None and utc(due_at) < utc(now)


def _takes(actor: ActorSpec, role: str) -> bool:
    return actor.role == role or actor.relation == role


def blocked_reason(task: Task, request: WorkflowRequest, viewer: Viewer, standing: Standing) -> str | None:
    """Why the viewer cannot take ``task``'s step forward in its capacity (a segregation-of-duties refusal
    first), or None when they can. Only the forward actions count when the step has any: a proposer who may
    still return or reject their own proposal has not been given a task they can complete. No query:
    definition data and the standing."""
    if request.terminal:
        return None
    definition = catalog.by_version(request.definition_version)
    theirs = [
        action
        for action in definition.actions_from(task.step)
        if any(_takes(a, task.role) for a in definition.actors_of(action, task.step))
    ]
    forward = [a for a in theirs if a.kind == "forward"]
    refusals: list[authorize.Refusal] = []
    for action in forward or theirs:
        refusal = authorize.check(definition, action, task.step, viewer, standing)
        if refusal is None:
            return None
        refusals.append(refusal)
    if not refusals:
        return None
    first = next((r for r in refusals if r.rule.startswith("sod.")), refusals[0])
    return first.reason


def blocked_reasons(
    tasks: Sequence[Task],
    requests: Mapping[int, WorkflowRequest],
    viewer: Viewer,
    standings: Mapping[int, Standing],
) -> dict[int, str | None]:
    """``blocked_reason`` for a page of tasks, by task id."""
    return {t.id: blocked_reason(t, requests[t.request_id], viewer, standings[t.request_id]) for t in tasks}
