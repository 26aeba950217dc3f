"""Entering the personnel records the guards read: service-exam certificates, disciplinary sanctions (and their
early end on appeal), assessment results and education.

Each runs the write path (``run_command``): the actor's authority over the employee is decided first (the
unit's HR operator for the unit's staff, BKD province-wide; nobody for themselves), then the input is
validated, written and audited in one transaction. An employee the actor may neither record for nor read
is answered exactly like a NIP that does not exist (``common.subject``), and both refusals are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor
from server.clock import today_in_jakarta
from server.commands import CommandResult
from server.db import Database
from server.domain.education import EDUCATION_LEVELS, education_at_least, is_education
from server.domain.nip import normalize
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Assessment, DisciplinarySanction, EducationRecord, Employee, ServiceExamCertificate
from server.models.people import POTENTIAL_CLASSES, SERVICE_EXAM_GROUPS
from server.registry import queries as registry
from server.registry import records as record_queries
from server.registry.commands import common

SEVERITIES = ("light", "moderate", "heavy")

Row = TypeVar("Row", ServiceExamCertificate, DisciplinarySanction, Assessment, EducationRecord)
# What a record command writes once the subject is known: the row's id, the event's after and before.
Write = Callable[[AsyncSession, Employee], Awaitable[tuple[int, dict[str, Any], Any]]]


async def _record(
    db: Database,
    actor: Actor,
    command: str,
    payload: dict[str, Any],
    key: str | None,
    nip: str,
    day: dt.date,
    write: Write,
) -> CommandResult:
    """``command`` (``recordSanction``) about the employee ``nip``: authorized as its policy action
    (``record_sanction``), written by ``write``, audited as what it did (``employee.sanction_recorded``)."""
    action = "".join(f"_{c.lower()}" if c.isupper() else c for c in command)
    done = action.removeprefix("record_") + "_recorded"

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        subject = await common.subject(s, actor, nip, action, day, refused=f"employee.{action}.refused")
        row_id, after, before = await write(s, subject)
        return row_id, [_entry(actor, done, subject, after, before)]

    return await common.run(db, actor, command, {"employeeNip": normalize(nip), **payload}, key, body)


def _entry(actor: Actor, done: str, subject: Employee, after: dict[str, Any], before: Any = None) -> AuditEntry:
    return common.event(actor, f"employee.{done}", "employee", subject.nip, after=after, before=before)


async def _added(s: AsyncSession, row: Row) -> Row:
    s.add(row)
    await s.flush()
    return row


def _date_errors(field: str, value: dt.date, subject: Employee, today: dt.date) -> list[UserError]:
    if value > today:
        return [validation(field, f"{field} {value} is in the future (today is {today}); record what has happened")]
    if value <= subject.birth_date:
        return [validation(field, f"{field} {value} is not after {subject.name}'s birth date {subject.birth_date}")]
    return []


def _text(field: str, value: str) -> list[UserError]:
    return [] if value.strip() else [validation(field, f"{field} must not be empty; give the document's number")]


async def record_service_exam(
    db: Database,
    actor: Actor,
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

    async def write(s: AsyncSession, subject: Employee) -> tuple[int, dict[str, Any], None]:
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
        row = ServiceExamCertificate(  # the guard reads the certificate and its group, not the legacy flag
            employee_id=subject.id, opens_group=group, certificate_no=certificate_no.strip(), passed_on=passed_on
        )
        row = await _added(s, row)
        return row.id, {"group": group, "certificateNo": row.certificate_no, "passedOn": passed_on}, None

    payload = {"group": group, "certificateNo": certificate_no, "passedOn": passed_on}
    return await _record(db, actor, "recordServiceExam", payload, idempotency_key, employee_nip, day, write)


async def record_sanction(
    db: Database,
    actor: Actor,
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

    async def write(s: AsyncSession, subject: Employee) -> tuple[int, dict[str, Any], None]:
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
        row = await _added(s, row)
        return row.id, {"sanctionId": row.id, **sanction_fields(row)}, None

    payload = {"severity": severity, "decreeNo": decree_no, "startDate": start_date, "endDate": end_date}
    return await _record(db, actor, "recordSanction", payload, idempotency_key, employee_nip, day, write)


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
    actor: Actor,
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
    action = "end_sanction_early"

    async def body(s: AsyncSession) -> tuple[int, list[AuditEntry]]:
        row = await record_queries.sanction(s, sanction_id)
        nip = await registry.employee_nip(s, row.employee_id) if row is not None else None
        if row is None or nip is None:
            raise AuditedRefusal.of(
                actor,
                unknown,
                action=f"employee.{action}.refused",
                entity_type="employee",
                entity_id=f"sanction {sanction_id}",
                reason="no such sanction",
            )
        subject = await common.subject(
            s, actor, nip, action, day, refused=f"employee.{action}.refused", unknown=unknown
        )
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
        return row.id, [_entry(actor, "sanction_ended_early", subject, after, before)]

    payload = {"sanctionId": sanction_id, "endDate": end_date, "reason": reason}
    return await common.run(db, actor, "endSanctionEarly", payload, idempotency_key, body)


async def record_assessment(
    db: Database,
    actor: Actor,
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

    async def write(s: AsyncSession, subject: Employee) -> tuple[int, dict[str, Any], None]:
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
        row = await _added(s, row)
        after = {"assessedOn": assessed_on, "potentialScore": potential_score, "potentialClass": potential_class}
        return row.id, {**after, "reportNo": row.report_no}, None

    payload = {"potentialClass": potential_class, "reportNo": report_no}
    extra = {"assessedOn": assessed_on, "potentialScore": potential_score}
    return await _record(db, actor, "recordAssessment", {**payload, **extra}, idempotency_key, employee_nip, day, write)


async def record_education(
    db: Database,
    actor: Actor,
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

    async def write(s: AsyncSession, subject: Employee) -> tuple[int, dict[str, Any], dict[str, Any]]:
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
        before = {"education": subject.education}
        subject.education = level
        row = await _added(s, row)
        return row.id, {"education": level, "graduatedOn": graduated_on, "evidence": row.evidence}, before

    payload = {"level": level, "evidence": evidence, "graduatedOn": graduated_on}
    return await _record(db, actor, "recordEducation", payload, idempotency_key, employee_nip, day, write)
