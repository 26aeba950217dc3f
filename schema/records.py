"""The personnel-record mutations (``recordServiceExam``, ``recordSanction``, ``endSanctionEarly``,
``recordAssessment``, ``recordEducation``): translate input, call the command, shape the payload."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from policies.authority import Acting
from schema.context import Info
from schema.types.errors import UserError, user_errors
from server import models
from server.commands import CommandResult
from server.registry.commands import records
from server.registry.records import Record, read_record

Shaped = TypeVar("Shaped")


@strawberry.input(description="A passed service exam (ujian dinas); a rank promotion into its group needs it.")
class RecordServiceExamInput:
    employee_nip: str
    group: str = strawberry.field(description="The rank group the exam opens: III or IV.")
    certificate_no: str
    passed_on: dt.date
    idempotency_key: str | None = None


@strawberry.type
class ServiceExamCertificate:
    id: strawberry.ID
    employee_nip: str
    group: str
    certificate_no: str
    passed_on: dt.date


@strawberry.type
class ServiceExamPayload:
    certificate: ServiceExamCertificate | None
    errors: list[UserError]


@strawberry.input(description="A disciplinary sanction (PP 94/2021); moderate and heavy ones block placements.")
class RecordSanctionInput:
    employee_nip: str
    severity: str = strawberry.field(description="light, moderate or heavy.")
    start_date: dt.date
    end_date: dt.date | None = strawberry.field(default=None, description="None: without end (e.g. dismissal).")
    decree_no: str
    idempotency_key: str | None = None


@strawberry.input(description="End a sanction before its decreed end, on appeal, with the reason.")
class EndSanctionEarlyInput:
    sanction_id: strawberry.ID
    end_date: dt.date
    reason: str
    idempotency_key: str | None = None


@strawberry.type
class Sanction:
    id: strawberry.ID
    employee_nip: str
    severity: str
    start_date: dt.date
    end_date: dt.date | None
    decree_no: str | None
    ended_early_reason: str | None


@strawberry.type
class SanctionPayload:
    sanction: Sanction | None
    errors: list[UserError]


@strawberry.input(description="An assessment's result: the potential axis of the talent pool's nine-box grid.")
class RecordAssessmentInput:
    employee_nip: str
    assessed_on: dt.date
    potential_score: int = strawberry.field(description="0 to 100.")
    potential_class: str = strawberry.field(description="low, middle or high.")
    report_no: str
    idempotency_key: str | None = None


@strawberry.type
class AssessmentResult:
    id: strawberry.ID
    employee_nip: str
    assessed_on: dt.date
    potential_score: int
    potential_class: str
    report_no: str


@strawberry.type
class AssessmentPayload:
    assessment: AssessmentResult | None
    errors: list[UserError]


@strawberry.input(description="A higher level of education attained, with the diploma as evidence.")
class RecordEducationInput:
    employee_nip: str
    level: str = strawberry.field(description="SD, SLTP, SLTA, D-I, D-II, D-III, D-IV, S1, S2 or S3.")
    graduated_on: dt.date
    evidence: str = strawberry.field(description="The diploma: number and institution.")
    idempotency_key: str | None = None


@strawberry.type
class EducationRecord:
    id: strawberry.ID
    employee_nip: str
    level: str
    graduated_on: dt.date
    evidence: str


@strawberry.type
class EducationPayload:
    education: EducationRecord | None
    errors: list[UserError]


async def _record(
    info: Info,
    command: Callable[..., Awaitable[CommandResult]],
    input: object,
    kind: type[Record],
    shape: Callable[..., Shaped],
    **renamed: str,
) -> tuple[Shaped | None, list[UserError]]:
    """Every record mutation: the input's fields are the command's arguments (same names), then the written row
    shaped for the payload, or the command's errors."""
    ctx = info.context
    given = vars(input)  # a strawberry input is a plain dataclass: its fields, nothing else
    result = await command(ctx.db, Acting(ctx.viewer), **given, today=ctx.today)
    if result.entity_id is not None and not result.errors:
        found = await read_record(ctx.db, kind, result.entity_id)
        if found is not None:
            row, nip = found
            return _shaped(shape, row, nip, renamed), []
    return None, user_errors(result.errors)


def _shaped(kind: Callable[..., Shaped], row: Record, nip: str, renamed: dict[str, str]) -> Shaped:
    """The payload type from the written row: its fields are the row's columns of the same name (or ``renamed``)."""
    columns = {
        name: getattr(row, renamed.get(name, name))
        for name in inspect.signature(kind).parameters
        if name not in ("id", "employee_nip")
    }
    return kind(id=strawberry.ID(str(row.id)), employee_nip=nip, **columns)


@strawberry.type
class RecordsMutation:
    @strawberry.mutation(description="Unit HR (their unit) or BKD records a service-exam certificate.")
    async def record_service_exam(self, info: Info, input: RecordServiceExamInput) -> ServiceExamPayload:
        certificate, errors = await _record(
            info,
            records.record_service_exam,
            input,
            models.ServiceExamCertificate,
            ServiceExamCertificate,
            group="opens_group",
        )
        return ServiceExamPayload(certificate=certificate, errors=errors)

    @strawberry.mutation(description="Unit HR (their unit) or BKD records a disciplinary sanction.")
    async def record_sanction(self, info: Info, input: RecordSanctionInput) -> SanctionPayload:
        sanction, errors = await _record(info, records.record_sanction, input, models.DisciplinarySanction, Sanction)
        return SanctionPayload(sanction=sanction, errors=errors)

    @strawberry.mutation(description="Unit HR (their unit) or BKD ends a sanction early on appeal, with the reason.")
    async def end_sanction_early(self, info: Info, input: EndSanctionEarlyInput) -> SanctionPayload:
        sanction, errors = await _record(info, records.end_sanction_early, input, models.DisciplinarySanction, Sanction)
        return SanctionPayload(sanction=sanction, errors=errors)

    @strawberry.mutation(description="Unit HR (their unit) or BKD records an assessment's result.")
    async def record_assessment(self, info: Info, input: RecordAssessmentInput) -> AssessmentPayload:
        assessment, errors = await _record(info, records.record_assessment, input, models.Assessment, AssessmentResult)
        return AssessmentPayload(assessment=assessment, errors=errors)

    @strawberry.mutation(description="Unit HR (their unit) or BKD records a higher level of education.")
    async def record_education(self, info: Info, input: RecordEducationInput) -> EducationPayload:
        education, errors = await _record(
            info, records.record_education, input, models.EducationRecord, EducationRecord
        )
        return EducationPayload(education=education, errors=errors)
