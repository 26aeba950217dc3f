"""The inbox: the viewer's open tasks filtered in SQL, one task by id, and why a listed task is blocked.

``myTasks`` lists what the viewer's roles and relations route to them (``queries.tasks_query``).
Segregation of duties is judged on the request's data (who proposed, who approved which step), which
SQL cannot read portably, so a task the viewer may not take is still listed and says why
(``Task.blockedReason``): a unit head who proposed a transfer sees its release step and reads that the
proposer does not approve their own proposal, rather than wondering where the task went. The reason
comes from ``authorize.check``, the very rule ``act`` applies, on standings loaded once for the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.models import Task, Unit, WorkflowRequest
from workflows import authorize, catalog
from workflows.authorize import Standing
from workflows.definition import ActorSpec
from workflows.queries import tasks_query


@dataclass(frozen=True)
class TaskFilter:
    """API.md ``TaskFilter``: the request's kind and state, the task's unit, overdue or due before a moment."""

    kind: str | None = None
    state: str | None = None
    unit_code: str | None = None
    overdue: bool | None = None
    due_before: dt.datetime | None = None


def _utc(moment: dt.datetime) -> dt.datetime:
    """Due times are stored in UTC (SQLite keeps no offset): compare in UTC too."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def filtered_tasks_query(viewer: Viewer, flt: TaskFilter, now: dt.datetime) -> Select[Task]:
    """``tasks_query`` narrowed by the filter, every condition in SQL (so ``totalCount`` counts the same set)."""
    query = tasks_query(viewer)
    if flt.kind is not None or flt.state is not None:
        requests = select(WorkflowRequest.id)
        if flt.kind is not None:
            requests = requests.where(WorkflowRequest.kind == flt.kind)
        if flt.state is not None:
            requests = requests.where(WorkflowRequest.state == flt.state)
        query = query.where(Task.request_id.in_(requests))
    if flt.unit_code is not None:
        query = query.where(Task.unit_id.in_(select(Unit.id).where(Unit.code == flt.unit_code)))
    if flt.overdue is True:
        query = query.where(Task.due_at.is_not(None), Task.due_at < _utc(now))
    elif flt.overdue is False:
        query = query.where(or_(Task.due_at.is_(None), Task.due_at >= _utc(now)))
    if flt.due_before is not None:
        query = query.where(Task.due_at.is_not(None), Task.due_at < _utc(flt.due_before))
    return query


def is_overdue(due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Past its due time (``Task.overdue``; the same comparison as the ``overdue`` filter)."""
    return due_at is not None and _utc(due_at) < _utc(now)


async def task_by_id(session: AsyncSession, task_id: int) -> Task | None:
    return (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()


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
