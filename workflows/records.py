"""Entering the personnel records the guards read: service-exam certificates, disciplinary sanctions (and their
early end on appeal), assessment results and education.

Each runs the write path (``run_command``): the viewer's authority over the employee is decided first (the
unit's HR operator for the unit's staff, BKD province-wide; nobody for themselves), then the input is
validated, written and audited in one transaction. An employee the viewer may neither record for nor read
is answered exactly like a NIP that does not exist (``workflows.reach``), and both refusals are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.relations import relations_to
from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.domain.education import EDUCATION_LEVELS, education_at_least, is_education
from server.domain.nip import normalize
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import (
    Assessment,
    DisciplinarySanction,
    EducationRecord,
    Employee,
    ServiceExamCertificate,
    Unit,
)
from server.models.people import POTENTIAL_CLASSES, SERVICE_EXAM_GROUPS
from server.registry import queries as registry
from server.registry import records as record_queries
from workflows import reach

SEVERITIES = ("light", "moderate", "heavy")


def _unknown(nip: str) -> UserError:
    return UserError(ErrorCode.NOT_FOUND, f"no employee has NIP {normalize(nip)}", "employeeNip")


async def authorized_subject(
    session: AsyncSession, viewer: Viewer, nip: str, action: str, day: dt.date, unknown: UserError | None = None
) -> Employee:
    """The employee ``nip`` once the viewer may ``action`` them (policy object ``employee``, in the unit of their
    post on ``day``). Refused and unable to read them, the viewer hears what an unknown NIP (or ``unknown``) says."""
    not_found = unknown or _unknown(nip)
    subject = await registry.employee_by_nip(session, nip)
    if subject is None:
        raise _refused(viewer, not_found, action, normalize(nip), "no employee has this NIP")
    post = await registry.current_position(session, subject.id, day)
    unit = await session.get(Unit, post.unit_id) if post is not None else None
    relations = await relations_to(session, viewer, subject.id, day)
    decision = decide(
        viewer,
        obj="employee",
        action=action,
        unit_path=unit.path if unit else None,
        relations=relations,
        unit_code=unit.code if unit else None,
    )
    if not decision.allowed:
        if not await reach.person_in_scope(session, viewer, subject, relations, day):
            raise _refused(viewer, not_found, action, normalize(nip), "outside the viewer's scope")
        raise _refused(viewer, UserError(ErrorCode.FORBIDDEN, decision.reason), action, subject.nip)
    return subject


def _refused(viewer: Viewer, error: UserError, action: str, nip: str, reason: str | None = None) -> AuditedRefusal:
    return AuditedRefusal.of(
        viewer, error, action=f"employee.{action}.refused", entity_type="employee", entity_id=nip, reason=reason
    )


def _entry(viewer: Viewer, action: str, subject: Employee, after: dict[str, Any], before: Any = None) -> AuditEntry:
    return AuditEntry(
        actor=str(viewer.user_id),
        actor_roles=sorted(viewer.roles),
        action=f"employee.{action}",
        entity_type="employee",
        entity_id=subject.nip,
        before=before,
        after=after,
    )


def _date_errors(field: str, value: dt.date, subject: Employee, today: dt.date) -> list[UserError]:
    if value > today:
        return [validation(field, f"{field} {value} is in the future (today is {today}); record what has happened")]
    if value <= subject.birth_date:
        return [validation(field, f"{field} {value} is not after {subject.name}'s birth date {subject.birth_date}")]
    return []


def _text(field: str, value: str) -> list[UserError]:
    return [] if value.strip() else [validation(field, f"{field} must not be empty; give the document's number")]


Body = Callable[[AsyncSession], Awaitable[tuple[int, list[AuditEntry]]]]


async def _run(
    db: Database, viewer: Viewer, command: str, payload: dict[str, Any], key: str | None, body: Body
) -> CommandResult:
    return await run_command(db, viewer, command=command, payload=payload, idempotency_key=key, body=body)


async def record_service_exam(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    group: str,
    certificate_no: str,
    passed_on: dt.date,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """The service-exam certificate opening rank group ``group`` (III or IV), which the rank guard reads."""
    day = today or today_in_jakarta()

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await authorized_subject(s, viewer, employee_nip, "record_service_exam", day)
        errors = _text("certificateNo", certificate_no) + _date_errors("passedOn", passed_on, subject, day)
        if group not in SERVICE_EXAM_GROUPS:
            errors.append(validation("group", f"group {group!r} is not a group the service exam opens; use III or IV"))
        if subject.employment_type == "PPPK":
            errors.append(validation("employeeNip", f"{subject.name} is PPPK: PPPK staff have no rank to promote"))
        if errors:
            raise CommandRefused(*errors)
        held = await record_queries.service_exam(s, subject.id, group)
        if held is not None:
            message = (
                f"{subject.name} already holds the group {group} certificate {held.certificate_no} ({held.passed_on})"
            )
            raise CommandRefused(validation("group", message))
        row = ServiceExamCertificate(
            employee_id=subject.id, opens_group=group, certificate_no=certificate_no.strip(), passed_on=passed_on
        )
        s.add(row)  # the guard reads the certificate and its group, not the legacy flag
        await s.flush()
        after = {"group": group, "certificateNo": row.certificate_no, "passedOn": passed_on}
        return row.id, [_entry(viewer, "service_exam_recorded", subject, after)]

    payload = {"employeeNip": normalize(employee_nip), "group": group, "certificateNo": certificate_no}
    return await _run(db, viewer, "recordServiceExam", {**payload, "passedOn": passed_on}, idempotency_key, body)


async def record_sanction(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    severity: str,
    start_date: dt.date,
    end_date: dt.date | None,
    decree_no: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """A disciplinary sanction (PP 94/2021) from ``start_date`` to ``end_date`` (None: without end, e.g. dismissal)."""
    day = today or today_in_jakarta()

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await authorized_subject(s, viewer, employee_nip, "record_sanction", day)
        errors = _text("decreeNo", decree_no)
        if severity not in SEVERITIES:
            errors.append(validation("severity", f"severity {severity!r} is not one of {', '.join(SEVERITIES)}"))
        if start_date <= subject.birth_date:
            errors.append(validation("startDate", f"startDate {start_date} is not after the birth date"))
        if end_date is not None and end_date < start_date:
            message = f"endDate {end_date} is before startDate {start_date}; a sanction ends on or after its start"
            errors.append(validation("endDate", message))
        if errors:
            raise CommandRefused(*errors)
        row = DisciplinarySanction(
            employee_id=subject.id,
            severity=severity,
            start_date=start_date,
            end_date=end_date,
            decree_no=decree_no.strip(),
        )
        s.add(row)
        await s.flush()
        after = {"sanctionId": row.id, **sanction_fields(row)}
        return row.id, [_entry(viewer, "sanction_recorded", subject, after)]

    payload = {"employeeNip": normalize(employee_nip), "severity": severity, "decreeNo": decree_no}
    dates = {"startDate": start_date, "endDate": end_date}
    return await _run(db, viewer, "recordSanction", {**payload, **dates}, idempotency_key, body)


def sanction_fields(row: DisciplinarySanction) -> dict[str, Any]:
    return {
        "severity": row.severity,
        "startDate": row.start_date,
        "endDate": row.end_date,
        "decreeNo": row.decree_no,
        "endedEarlyReason": row.ended_early_reason,
    }


async def end_sanction_early(
    db: Database,
    viewer: Viewer,
    *,
    sanction_id: str,
    end_date: dt.date,
    reason: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """End a sanction before its decreed end, on appeal, with the reason; the decreed end stays in the audit log."""
    day = today or today_in_jakarta()
    unknown = UserError(ErrorCode.NOT_FOUND, f"no sanction has id {sanction_id}", "sanctionId")

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        row = await record_queries.sanction(s, sanction_id)
        nip = await registry.employee_nip(s, row.employee_id) if row is not None else None
        if row is None or nip is None:
            raise _refused(viewer, unknown, "end_sanction_early", f"sanction {sanction_id}", "no such sanction")
        subject = await authorized_subject(s, viewer, nip, "end_sanction_early", day, unknown)
        errors = [] if reason.strip() else [validation("reason", "reason must say why the sanction ends early")]
        if row.ended_early_reason is not None:
            errors.append(validation("sanctionId", f"sanction {row.id} already ended early: {row.ended_early_reason}"))
        if end_date < row.start_date:
            errors.append(validation("endDate", f"endDate {end_date} is before the sanction's start {row.start_date}"))
        elif row.end_date is not None and end_date >= row.end_date:
            message = f"endDate {end_date} is not before the decreed end {row.end_date}; an early end comes sooner"
            errors.append(validation("endDate", message))
        if errors:
            raise CommandRefused(*errors)
        before = sanction_fields(row)
        row.end_date, row.ended_early_reason = end_date, reason.strip()
        await s.flush()
        after = {"sanctionId": row.id, **sanction_fields(row)}
        return row.id, [_entry(viewer, "sanction_ended_early", subject, after, before)]

    payload = {"sanctionId": sanction_id, "endDate": end_date, "reason": reason}
    return await _run(db, viewer, "endSanctionEarly", payload, idempotency_key, body)


async def record_assessment(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    assessed_on: dt.date,
    potential_score: int,
    potential_class: str,
    report_no: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """An assessment's result: the potential score (0-100) and class the talent pool's nine-box grid reads."""
    day = today or today_in_jakarta()

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await authorized_subject(s, viewer, employee_nip, "record_assessment", day)
        errors = _text("reportNo", report_no) + _date_errors("assessedOn", assessed_on, subject, day)
        if not 0 <= potential_score <= 100:
            errors.append(validation("potentialScore", f"potentialScore {potential_score} must be between 0 and 100"))
        if potential_class not in POTENTIAL_CLASSES:
            message = f"potentialClass {potential_class!r} is not one of {', '.join(POTENTIAL_CLASSES)}"
            errors.append(validation("potentialClass", message))
        if errors:
            raise CommandRefused(*errors)
        row = Assessment(
            employee_id=subject.id,
            assessed_on=assessed_on,
            potential_score=potential_score,
            potential_class=potential_class,
            report_no=report_no.strip(),
        )
        s.add(row)
        await s.flush()
        after = {"assessedOn": assessed_on, "potentialScore": potential_score, "potentialClass": potential_class}
        return row.id, [_entry(viewer, "assessment_recorded", subject, {**after, "reportNo": row.report_no})]

    payload = {"employeeNip": normalize(employee_nip), "potentialClass": potential_class, "reportNo": report_no}
    extra = {"assessedOn": assessed_on, "potentialScore": potential_score}
    return await _run(db, viewer, "recordAssessment", {**payload, **extra}, idempotency_key, body)


async def record_education(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    level: str,
    graduated_on: dt.date,
    evidence: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """A higher level of education attained: the employee's education becomes ``level`` (the caps and the
    managerial requirements read it from then on)."""
    day = today or today_in_jakarta()

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await authorized_subject(s, viewer, employee_nip, "record_education", day)
        errors = _date_errors("graduatedOn", graduated_on, subject, day)
        if not evidence.strip():
            errors.append(validation("evidence", "evidence must name the diploma (number and institution)"))
        if not is_education(level):
            errors.append(validation("level", f"level {level!r} is not one of {', '.join(EDUCATION_LEVELS)}"))
        elif level == subject.education or not education_at_least(level, subject.education):
            message = f"level {level} is not above {subject.name}'s recorded education {subject.education}"
            errors.append(validation("level", message))
        if errors:
            raise CommandRefused(*errors)
        row = EducationRecord(employee_id=subject.id, level=level, graduated_on=graduated_on, evidence=evidence.strip())
        s.add(row)
        before = {"education": subject.education}
        subject.education = level
        await s.flush()
        after = {"education": level, "graduatedOn": graduated_on, "evidence": row.evidence}
        return row.id, [_entry(viewer, "education_recorded", subject, after, before)]

    payload = {"employeeNip": normalize(employee_nip), "level": level, "evidence": evidence}
    return await _run(db, viewer, "recordEducation", {**payload, "graduatedOn": graduated_on}, idempotency_key, body)
