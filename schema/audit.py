"""``auditEvents`` and ``auditVerification``: the trail for auditors, and for everyone their own part of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from policies.audit_values import hidden_values
from policies.scope import audit_scope
from schema.connection import Connection, Edge, PageInfo, page_size
from schema.context import Info
from schema.errors import PublicError
from schema.prefetch import selected
from schema.types.audit import AuditEvent, AuditVerification
from server.audit import queries
from server.audit.verification import verify_log
from server.ids import parse_row_id
from server.paging import CursorError, encode_cursor


@strawberry.input
class AuditFilter:
    request_id: strawberry.ID | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    from_: dt.datetime | None = strawberry.field(default=None, name="from")
    to: dt.datetime | None = None


def _forbidden_unless_auditor(info: Info) -> None:
    if not audit_scope(info.context.viewer).everything:
        raise PublicError("verifying the audit log is for auditors and administrators", code="FORBIDDEN")


def _own_trail_unless_auditor(info: Info) -> queries.OwnTrail | None:
    """Auditors read everything; anyone else signed in reads their own trail; the public reads nothing."""
    viewer = info.context.viewer
    if audit_scope(viewer).everything:
        return None
    if viewer.user_id is None:
        raise PublicError(
            "sign in: the audit log is for auditors, and each person's own trail for them", code="FORBIDDEN"
        )
    return queries.OwnTrail(user_id=viewer.user_id, nip=viewer.nip, employee_id=viewer.employee_id)


async def events_as_read(info: Info, session: AsyncSession, rows: Sequence[Any]) -> list[AuditEvent]:
    """A page of events as the viewer may read them: values about a person whose file the viewer may not
    read are null (``policies.audit_values``), decided for the whole page at once."""
    hidden = await hidden_values(session, info.context.viewer, info.context.today, rows)
    events = [AuditEvent.of(r) for r in rows]
    return [replace(e, before=None, after=None) if e.seq in hidden else e for e in events]


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="Audit events matching the filter, newest first unless oldestFirst is true. Auditors and "
        "administrators read the whole log; anyone else signed in reads their own trail, with before and after "
        "null on an event about a person whose file they may not read now."
    )
    async def audit_events(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        oldest_first: bool = False,
    ) -> Connection[AuditEvent]:
        own = _own_trail_unless_auditor(info)
        f = filter or AuditFilter()
        request_id = None
        if f.request_id is not None:
            request_id = parse_row_id(f.request_id)
            if request_id is None:
                raise PublicError(f"filter.requestId: {f.request_id!r} is not a request id")
        # the filter's fields as given (same names), but the request id parsed, and the viewer's own trail
        flt = queries.AuditQueryFilter(**{**vars(f), "request_id": request_id, "only_about": own})
        size = page_size(first, info.context.settings)
        async with info.context.db.read() as s:
            try:
                rows, has_next = await queries.list_events(
                    s, filter=flt, first=size, after=after, newest_first=not oldest_first
                )
            except CursorError as exc:
                raise PublicError(str(exc)) from None
            wants_total = "totalCount" in selected(s2 for fld in info.selected_fields for s2 in fld.selections)
            total = await queries.count_events(s, flt) if wants_total else -1
            events = await events_as_read(info, s, rows)
        edges = [Edge(cursor=encode_cursor(e.seq), node=e) for e in events]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=total,
        )

    @strawberry.field(
        description="Verify the hash chain and hold it to every signed checkpoint and the last verified head. "
        "Only the events after the last verified head are recomputed (every event when no verification is "
        "recorded yet); asnflow audit verify recomputes the whole log."
    )
    async def audit_verification(self, info: Info) -> AuditVerification:
        _forbidden_unless_auditor(info)
        # bounded: one process, and only the events since the last verified head (``asnflow audit verify``
        # walks the whole log, in a process pool)
        report = await verify_log(info.context.db, info.context.settings, workers=1, since_verified=True)
        return AuditVerification(
            ok=report.ok,
            checked_events=report.checked_events,
            first_broken_seq=report.first_broken_seq,
            head_hash=report.head_hash,
            problem=report.problem.value if report.problem else None,
            explanation=report.explanation,
            last_intact_seq=report.last_intact_seq,
            hashed_events=report.hashed_events,
        )


async def audit_event_node(info: Info, seq: int) -> AuditEvent | None:
    """One event for ``node(id:)``, under ``auditEvents``' rule: auditors read any, anyone else signed in
    their own trail; outside it (or signed out) the event reads as missing, like a seq never written."""
    viewer = info.context.viewer
    if viewer.user_id is None and not audit_scope(viewer).everything:
        return None
    flt = queries.AuditQueryFilter(only_about=_own_trail_unless_auditor(info))
    async with info.context.db.read() as s:
        # the page just below seq + 1, newest first: the event itself when the rule lets the viewer read it
        rows, _ = await queries.list_events(s, filter=flt, first=1, after=encode_cursor(seq + 1))
        found = [r for r in rows if r.seq == seq]
        return (await events_as_read(info, s, found))[0] if found else None
