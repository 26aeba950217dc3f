"""The read rules: who may read a person's file, and who may read a workflow request. Nothing else decides.

**A person's file** (birth date, gender, employment type, education, status, rank history, assignments,
evaluations, training hours, sanctions, family ties, where they sat on other days) is readable by:

1. the person themselves;
2. a viewer whose read scope (the policy's ``employee, read`` lines over granted subtrees) covers the
   unit of the person's definitive post on the service's today, so province-wide readers (auditors,
   administrators, BKD, the board, PyB, PPK) read every file;
3. an approver while they hold an open task on a request about the person (a task the viewer may act
   on: a role over the task's unit, or the person the task names). The file closes when the task does.

Anybody else who reaches the person through another object (a position's holders on any date, a
request's subject, a task's request) sees the *card*: NIP, name, rank and the position that led there
(``schema/types/registry.py`` says how a card answers the other fields).

**A request** is readable by its subject, by a request reader (``request, read`` lines) whose grant
covers the request's unit or the unit the subject moves from, by whoever proposed it, and by whoever
is or was named on one of its tasks or may act on one of its open tasks. The ``requests`` list,
``request(id)``, ``act``, ``explain`` and ``availableActions`` all use ``request_clause``: one SQL
predicate, so a request a viewer can open is a request their list shows.

**A position's workload** (its workload analysis and the workforce needs computed from it) is not a person's
file: positions and quotas are public, their workload is the agency's planning. It is readable over the
subtrees where the viewer holds a role with a ``workload, read`` line (``policies.scope.workload_scope``: unit
heads and unit HR over their units, BKD, the board, PyB/PPK, auditors and administrators province-wide),
applied in SQL by ``workflows.workforce``; anyone else, the public included, reads an empty list.

Both are decided in SQL for a whole page at once (a clause, or one statement for the ids of a page),
never per row and never by an enforcer call per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from policies.scope import registry_scope, request_scope
from policies.viewer import Viewer
from server.models import Assignment, Position, Task, Unit, WorkflowRequest
from server.registry.queries import held_on
from server.sql import one_of

FILE = "FILE"
CARD = "CARD"


def _people(viewer: Viewer) -> list[str]:
    """The identities a task or a proposal may name the viewer by: their user id and their NIP."""
    return [p for p in dict.fromkeys((viewer.user_id, viewer.nip)) if p]


def open_tasks_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL on ``Task``: the viewer may act on it (a role over the task's unit, or named on it); open or not.

    A row an escalation added (``escalated_from``) names a holder of the role in the unit above: it is
    theirs while they still hold that role there. A Camat whose grant was revoked after the escalation
    neither lists the task nor reads its subject's file through it (they could not act on it either).
    """
    people = _people(viewer)
    by_role: dict[str, list[str | None]] = {}
    for g in viewer.grants:
        by_role.setdefault(g.role, []).append(g.unit_path)
    held: list[ColumnElement[bool]] = []
    for role, paths in by_role.items():
        if any(p is None for p in paths):
            held.append(Task.role == role)
            continue
        under = select(Unit.id).where(or_(*(Unit.path.startswith(p, autoescape=True) for p in paths if p)))
        held.append(and_(Task.role == role, Task.unit_id.in_(under)))
    holds = or_(*held) if held else false()
    clauses: list[ColumnElement[bool]] = []
    if people:
        clauses.append(and_(Task.assignee_user_id.in_(people), or_(Task.escalated_from.is_(None), holds)))
    if held:
        clauses.append(and_(Task.assignee_user_id.is_(None), holds))
    return or_(*clauses) if clauses else false()


# --- the person file ---------------------------------------------------------------------------------


def reads_every_file(viewer: Viewer) -> bool:
    """A province-wide reader: every file is theirs to read, so no statement is needed to decide."""
    return registry_scope(viewer).everything


def _file_sources(viewer: Viewer, today: dt.date, ids: list[int], session: AsyncSession) -> list[Select[int]]:
    """The ids among ``ids`` whose file the rule opens to a viewer who does not read every file, by reason.

    Each branch starts from the page's ids (indexed lookups), not from everyone in scope: people whose
    definitive post today lies in the viewer's read scope, and subjects of requests with an open task
    the viewer may act on.
    """
    scope = registry_scope(viewer)
    sources: list[Select[int]] = []
    if scope.unit_paths:
        sources.append(
            select(Assignment.employee_id)
            .join(Position, Position.id == Assignment.position_id)
            .where(
                one_of(session, Assignment.employee_id, ids),
                Assignment.kind == "definitive",
                held_on(today),
                scope.units_clause(Position.unit_id),
            )
        )
    sources.append(
        select(WorkflowRequest.subject_employee_id)
        .join(Task, Task.request_id == WorkflowRequest.id)
        .where(
            one_of(session, WorkflowRequest.subject_employee_id, ids),
            Task.closed_at.is_(None),
            open_tasks_clause(viewer),
        )
    )
    return sources


async def readable_files(
    session: AsyncSession, viewer: Viewer, today: dt.date, employee_ids: Iterable[int]
) -> frozenset[int]:
    """Which of ``employee_ids`` the viewer may read the file of: at most one statement for a whole page."""
    wanted = sorted(set(employee_ids))
    if reads_every_file(viewer):
        return frozenset(wanted)
    own = {i for i in wanted if i == viewer.employee_id}
    others = [i for i in wanted if i not in own]
    if not others or not viewer.authenticated:
        return frozenset(own)
    query = union(*_file_sources(viewer, today, others, session))
    return frozenset(own | set((await session.execute(query)).scalars()))


def file_clause(
    viewer: Viewer, today: dt.date, employee_id: ColumnElement[int] | InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """SQL on ``employee_id``: the viewer may read that person's file (the rule above), for a list of files
    (the talent pool) filtered in its own statement rather than by ``readable_files`` on a page of ids."""
    scope = registry_scope(viewer)
    if scope.everything:
        return true()
    if not viewer.authenticated:
        return false()
    clauses: list[ColumnElement[bool]] = []
    if viewer.employee_id is not None:
        clauses.append(employee_id == viewer.employee_id)
    if scope.unit_paths:
        posted = (
            select(Assignment.employee_id)
            .join(Position, Position.id == Assignment.position_id)
            .where(Assignment.kind == "definitive", held_on(today), scope.units_clause(Position.unit_id))
        )
        clauses.append(employee_id.in_(posted))
    tasked = (
        select(WorkflowRequest.subject_employee_id)
        .join(Task, Task.request_id == WorkflowRequest.id)
        .where(Task.closed_at.is_(None), open_tasks_clause(viewer))
    )
    clauses.append(employee_id.in_(tasked))
    return or_(*clauses)


# --- requests ----------------------------------------------------------------------------------------


def origin_unit_id() -> ColumnElement[int]:
    """SQL: the unit the subject moves from (a transfer's; indexed)."""
    return cast(ColumnElement[int], WorkflowRequest.origin_unit_id)


def request_clause(viewer: Viewer) -> ColumnElement[bool]:
    """SQL on ``WorkflowRequest``: the viewer may read the request (see the module's docstring)."""
    if not viewer.authenticated:
        return false()
    scope = request_scope(viewer)
    if scope.everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if scope.unit_paths:
        clauses += [
            scope.units_clause(cast(ColumnElement[int], WorkflowRequest.unit_id)),
            scope.units_clause(origin_unit_id()),
        ]
    if scope.employee_id is not None:
        clauses.append(WorkflowRequest.subject_employee_id == scope.employee_id)
    people = _people(viewer)
    if people:
        clauses.append(WorkflowRequest.proposed_by.in_(people))
    tasks = select(Task.request_id).where(
        or_(
            Task.assignee_user_id.in_(people) if people else false(),
            and_(Task.closed_at.is_(None), open_tasks_clause(viewer)),
        )
    )
    clauses.append(WorkflowRequest.id.in_(tasks))
    return or_(*clauses)


async def readable_requests(session: AsyncSession, viewer: Viewer, request_ids: Iterable[int]) -> frozenset[int]:
    """Which of ``request_ids`` the viewer may read, if they exist (whether they do is the caller's question).

    One statement; none for a province-wide reader, who reads every request there is.
    """
    wanted = sorted(set(request_ids))
    if not wanted or not viewer.authenticated:
        return frozenset()
    if request_scope(viewer).everything:
        return frozenset(wanted)
    found = select(WorkflowRequest.id).where(one_of(session, WorkflowRequest.id, wanted), request_clause(viewer))
    return frozenset((await session.execute(found)).scalars())


async def may_read_request(session: AsyncSession, viewer: Viewer, request_id: int) -> bool:
    """``readable_requests`` for one request (``act`` and ``explain``)."""
    return request_id in await readable_requests(session, viewer, [request_id])


__all__ = [
    "CARD",
    "FILE",
    "file_clause",
    "may_read_request",
    "open_tasks_clause",
    "readable_files",
    "readable_requests",
    "reads_every_file",
    "request_clause",
]
