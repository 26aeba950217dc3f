"""The read side's statements on requests and tasks: the lists a viewer pages (their inbox, the requests
they may read), a page's requests and open tasks by id, the live inbox's new tasks and the overdue counts.

The viewer's scope goes into SQL once, with the clauses of the one read rule (``policies.read``), never an
authorization call per row; the GraphQL resolvers page these selects with ``server.paging``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from policies import read
from policies.viewer import Viewer
from server.domain.nip import normalize
from server.models import Employee, Task, Unit, WorkflowRequest
from server.sql import any_of_param, is_postgres, one_of, where_given


@dataclass(frozen=True)
class RequestFilter:
    """API.md ``RequestFilter``: the request's kind, state, subject (NIP), unit (code), ended or not."""

    kind: str | None = None
    state: str | None = None
    subject_nip: str | None = None
    unit_code: str | None = None
    terminal: bool | None = None


@dataclass(frozen=True)
class TaskFilter:
    """API.md ``TaskFilter``: the request's kind and state, the task's unit, overdue or due before a moment."""

    kind: str | None = None
    state: str | None = None
    unit_code: str | None = None
    overdue: bool | None = None
    due_before: dt.datetime | None = None


def utc(moment: dt.datetime) -> dt.datetime:
    """Due times are stored in UTC (SQLite keeps no offset): compare in UTC too."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _unit_coded(code: str) -> Select[int]:
    return select(Unit.id).where(Unit.code == code)


def actionable_tasks(viewer: Viewer) -> Select[Task]:
    """Open tasks the viewer may act on, in SQL; tasks on requests about the viewer only where they are the actor."""
    if viewer.user_id is None:
        return select(Task).where(false())
    query = select(Task).where(Task.closed_at.is_(None), read.open_tasks_clause(viewer))
    if viewer.employee_id is not None:
        own = select(WorkflowRequest.id).where(WorkflowRequest.subject_employee_id == viewer.employee_id)
        query = query.where(or_(Task.request_id.not_in(own), Task.role == "self", Task.role == "proposer"))
    return query


def inbox_tasks(viewer: Viewer, flt: TaskFilter, now: dt.datetime) -> Select[Task]:
    """``actionable_tasks`` narrowed by the filter, every condition in SQL (so ``totalCount`` counts the same set)."""
    query = actionable_tasks(viewer)
    if flt.kind is not None or flt.state is not None:
        of_request = where_given((WorkflowRequest.kind, flt.kind), (WorkflowRequest.state, flt.state))
        query = query.where(Task.request_id.in_(select(WorkflowRequest.id).where(*of_request)))
    if flt.unit_code is not None:
        query = query.where(Task.unit_id.in_(_unit_coded(flt.unit_code)))
    if flt.overdue is True:
        query = query.where(Task.due_at.is_not(None), Task.due_at < utc(now))
    elif flt.overdue is False:
        query = query.where(or_(Task.due_at.is_(None), Task.due_at >= utc(now)))
    if flt.due_before is not None:
        query = query.where(Task.due_at.is_not(None), Task.due_at < utc(flt.due_before))
    return query


def readable_requests(viewer: Viewer, filter: RequestFilter | None = None) -> Select[WorkflowRequest]:
    """Requests the viewer may read (``policies.read.request_clause``, the one request rule), filtered."""
    f = filter or RequestFilter()
    query = select(WorkflowRequest).where(
        read.request_clause(viewer),
        *where_given(
            (WorkflowRequest.kind, f.kind), (WorkflowRequest.state, f.state), (WorkflowRequest.terminal, f.terminal)
        ),
    )
    if f.subject_nip is not None:
        subject = select(Employee.id).where(Employee.nip == normalize(f.subject_nip))
        query = query.where(WorkflowRequest.subject_employee_id.in_(subject))
    if f.unit_code is not None:
        query = query.where(WorkflowRequest.unit_id.in_(_unit_coded(f.unit_code)))
    return query


_REQUESTS_BY_ID = {
    True: select(WorkflowRequest).where(any_of_param(WorkflowRequest.id, "ids")),
    False: select(WorkflowRequest).where(WorkflowRequest.id.in_(bindparam("ids", expanding=True))),
}


async def requests_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, WorkflowRequest]:
    if not ids:
        return {}
    rows = (await session.execute(_REQUESTS_BY_ID[is_postgres(session)], {"ids": sorted(set(ids))})).scalars()
    return {r.id: r for r in rows}


async def readable_among(session: AsyncSession, viewer: Viewer, ids: Sequence[int]) -> set[int]:
    """Which of the requests ``ids`` the viewer may read (``policies.read.request_clause``): one statement."""
    query = select(WorkflowRequest.id).where(WorkflowRequest.id.in_(ids), read.request_clause(viewer))
    return set((await session.execute(query)).scalars())


async def open_tasks_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, list[Task]]:
    out: dict[int, list[Task]] = {}
    if not request_ids:
        return out
    query = (
        select(Task)
        .where(one_of(session, Task.request_id, request_ids), Task.closed_at.is_(None))
        .order_by(Task.request_id, Task.id)
    )
    for task in (await session.execute(query)).scalars():
        out.setdefault(task.request_id, []).append(task)
    return out


async def task_by_id(session: AsyncSession, task_id: int) -> Task | None:
    return (await session.execute(select(Task).where(Task.id == task_id))).scalar_one_or_none()


async def latest_task_id(session: AsyncSession) -> int:
    """The newest task id committed so far: a subscription announces only tasks opened after it (higher ids)."""
    return int((await session.execute(select(func.coalesce(func.max(Task.id), 0)))).scalar_one())


async def new_tasks_for(session: AsyncSession, viewer: Viewer, request_id: int, *, after_id: int) -> list[Task]:
    """The open tasks of ``request_id`` opened after task ``after_id`` that ``myTasks`` would list for ``viewer``
    (the live inbox, ``schema/subscriptions.py``: the very rule ``actionable_tasks`` lists them with)."""
    query = actionable_tasks(viewer).where(Task.request_id == request_id, Task.id > after_id).order_by(Task.id)
    return list((await session.execute(query)).scalars())


async def overdue_by_unit(
    session: AsyncSession, viewer: Viewer, now: dt.datetime, within: Unit | None = None
) -> list[tuple[str, str, int, int]]:
    """Per unit (code, name): the open tasks of requests the viewer may read overdue at ``now``, and how many of
    those were escalated; one row per step and owner (an escalation's added rows are the same task)."""
    readable = select(WorkflowRequest.id).where(read.request_clause(viewer))
    query = (
        select(Unit.code, Unit.name, func.count(Task.id), func.count(Task.escalated_at))
        .join(Unit, Unit.id == Task.unit_id)
        .where(
            Task.closed_at.is_(None),
            Task.escalated_from.is_(None),
            Task.due_at.is_not(None),
            Task.due_at < utc(now),
            Task.request_id.in_(readable),
        )
        .group_by(Unit.code, Unit.name)
        .order_by(Unit.code)
    )
    if within is not None:
        query = query.where(Unit.path.startswith(within.path, autoescape=True))
    rows = (await session.execute(query)).all()
    return [(str(code), str(name), int(count), int(escalated)) for code, name, count, escalated in rows]
