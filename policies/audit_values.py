"""Whose values an audit event shows: the person file rule (``policies.read``) applied to the audit trail.

An event's ``before`` and ``after`` about a person (an ``employee`` event, or any event of a request, whose
values are the subject's guard warnings, ratings, assignments and hours) are that person's file. Auditors
and administrators province-wide read every event whole (the trail is theirs to
examine). Anyone else reaching an event (their own trail in ``auditEvents``, ``node(id)``, a request's
``history``) reads its values only where ``readable_files`` opens the person's file to them *now*: a unit
head who acted on a request once, and sees its subject as a card today, reads who did what and when, not
the subject's file. An event about no person (a unit, a position, a refused token) keeps its values.

Decided per page: one statement finds the person of every event of the page, one more (``readable_files``)
decides their files; none for an auditor. Never per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from policies.read import readable_files
from policies.scope import audit_scope
from policies.viewer import Viewer
from server.models import Employee, WorkflowRequest
from server.sql import one_of

EMPLOYEE = "employee"


def _person_key(row: Any) -> tuple[str, str] | None:
    """What names the person an event is about: its NIP, or its request (whose subject is the person)."""
    if row.entity_type == EMPLOYEE:
        return ("nip", str(row.entity_id))
    if row.request_id is not None:
        return ("request", str(row.request_id))
    return None


async def hidden_values(session: AsyncSession, viewer: Viewer, today: dt.date, rows: Iterable[Any]) -> frozenset[int]:
    """The seqs among ``rows`` (audit event rows) whose ``before``/``after`` the viewer may not read."""
    if audit_scope(viewer).everything:
        return frozenset()
    keyed = {row.seq: key for row in rows if (key := _person_key(row)) is not None}
    if not keyed:
        return frozenset()
    nips = {k for kind, k in keyed.values() if kind == "nip"}
    request_ids = {int(k) for kind, k in keyed.values() if kind == "request"}
    sources = []
    if nips:
        sources.append(
            select(literal("nip").label("kind"), Employee.nip.label("key"), Employee.id.label("person")).where(
                one_of(session, Employee.nip, nips)
            )
        )
    if request_ids:
        sources.append(
            select(
                literal("request").label("kind"),
                cast(WorkflowRequest.id, String).label("key"),
                WorkflowRequest.subject_employee_id.label("person"),
            ).where(one_of(session, WorkflowRequest.id, request_ids))
        )
    people = {(kind, key): person for kind, key, person in (await session.execute(union_all(*sources))).all()}
    files = await readable_files(session, viewer, today, people.values())
    # an event whose person is not found (a refused registration of an unknown NIP) opens no file either
    return frozenset(seq for seq, key in keyed.items() if people.get(key) not in files)


__all__ = ["hidden_values"]
