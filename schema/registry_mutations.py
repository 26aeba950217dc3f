"""``registerEmployee`` and ``upsertPosition``: translate input, call the command, shape the payload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import strawberry
from strawberry import UNSET

from policies.authority import Acting
from schema.context import Info
from schema.prefetch import Prefetch, root_selection
from schema.types.errors import UserError, user_errors
from schema.types.registry import Employee, Position
from server.commands import CommandResult
from server.domain.nip import normalize
from server.registry import queries as q
from server.registry.commands.employees import register_employee
from server.registry.commands.family import declare_family_relation
from server.registry.commands.positions import PositionChange, upsert_position
from server.registry.commands.unit_performance import set_unit_performance
from server.registry.validation import EmployeeInput
from workflows.seats import seats_taken


@strawberry.input
class RegisterEmployeeInput:
    nip: str
    name: str
    birth_date: dt.date
    gender: str
    employment_type: str
    education: str
    rank_code: str | None = None
    rank_since: dt.date | None = None
    position_code: str | None = strawberry.field(
        default=None,
        description="The position the employee joins (unit HR registers into positions of their unit only).",
    )
    position_since: dt.date | None = strawberry.field(
        default=None, description="The start (TMT) of that assignment; today when omitted."
    )
    idempotency_key: str | None = None


@strawberry.input(
    description="Create a position (title, type, unitCode and quota required) or change one: an omitted field "
    "keeps its value, an explicit null clears it (jobClass, minEducation, minRank, maxRank)."
)
class UpsertPositionInput:
    code: str
    title: str | None = UNSET
    type: str | None = UNSET
    unit_code: str | None = UNSET
    quota: int | None = UNSET
    job_class: int | None = UNSET
    min_education: str | None = UNSET
    min_rank: str | None = UNSET
    max_rank: str | None = UNSET
    idempotency_key: str | None = None


POSITION_FIELDS = ("title", "type", "unit_code", "quota", "job_class", "min_education", "min_rank", "max_rank")


@strawberry.input(description="A unit's own performance predicate for a year; it caps its staff's predicates.")
class SetUnitPerformanceInput:
    unit_code: str
    year: int
    predicate: str = strawberry.field(description="Istimewa, Baik, Butuh Perbaikan, Kurang or Sangat Kurang.")
    idempotency_key: str | None = None


@strawberry.type
class UnitPerformancePayload:
    unit_code: str | None
    year: int | None
    predicate: str | None
    errors: list[UserError]


@strawberry.input(description="A family tie between two civil servants, read by the conflict-of-interest check.")
class DeclareFamilyRelationInput:
    employee_nip: str
    relative_nip: str
    kind: str = strawberry.field(description="spouse, parent, child, sibling or in_law (as the employee sees it).")
    idempotency_key: str | None = None


@strawberry.type
class FamilyRelationPayload:
    employee_nip: str | None
    relative_nip: str | None
    kind: str | None
    errors: list[UserError]


@strawberry.type
class EmployeePayload:
    employee: Employee | None
    errors: list[UserError]


@strawberry.type
class PositionPayload:
    position: Position | None
    errors: list[UserError]


def _payload_selection(info: Info, name: str) -> list[strawberry.types.nodes.Selection]:
    from schema.prefetch import child

    return child(root_selection(info), name)


Echo = TypeVar("Echo")


def _echoed(payload: Callable[..., Echo], result: CommandResult, **written: object) -> Echo:
    """A payload that echoes what was written (``written``), or, refused, every field null and the errors."""
    if not result.ok:
        return payload(**dict.fromkeys(written), errors=user_errors(result.errors))
    return payload(**written, errors=[])


@strawberry.type
class RegistryMutation:
    @strawberry.mutation
    async def register_employee(self, info: Info, input: RegisterEmployeeInput) -> EmployeePayload:
        ctx = info.context
        # a strawberry input is a plain dataclass: its fields are the record's, and the idempotency key
        data = EmployeeInput(**{name: value for name, value in vars(input).items() if name != "idempotency_key"})
        result = await register_employee(
            ctx.db, Acting(ctx.viewer), data, seats=seats_taken, today=ctx.today, idempotency_key=input.idempotency_key
        )
        if result.entity_id is None:
            return EmployeePayload(employee=None, errors=user_errors(result.errors))
        async with ctx.db.read() as s:
            # the registrant reads back exactly what they entered: the new file is theirs to see once
            employee = Employee.file_of((await q.employees_by_id(s, [result.entity_id]))[result.entity_id])
            await Prefetch(s, ctx).employees([employee], _payload_selection(info, "employee"))
        return EmployeePayload(employee=employee, errors=[])

    @strawberry.mutation
    async def upsert_position(self, info: Info, input: UpsertPositionInput) -> PositionPayload:
        ctx = info.context
        given = {name: getattr(input, name) for name in POSITION_FIELDS if getattr(input, name) is not UNSET}
        change = PositionChange(code=input.code, fields=given)
        result = await upsert_position(
            ctx.db,
            Acting(ctx.viewer),
            change,
            seats=seats_taken,
            idempotency_key=input.idempotency_key,
            today=ctx.today,
        )
        if result.entity_id is None:
            return PositionPayload(position=None, errors=user_errors(result.errors))
        async with ctx.db.read() as s:
            position = Position.of((await q.positions_by_id(s, [result.entity_id]))[result.entity_id])
            await Prefetch(s, ctx).positions([position], _payload_selection(info, "position"))
        return PositionPayload(position=position, errors=[])

    @strawberry.mutation(description="BKD records a unit's own predicate for a year (PermenPANRB 6/2022).")
    async def set_unit_performance(self, info: Info, input: SetUnitPerformanceInput) -> UnitPerformancePayload:
        ctx = info.context
        result = await set_unit_performance(
            ctx.db,
            Acting(ctx.viewer),
            unit_code=input.unit_code,
            year=input.year,
            predicate=input.predicate,
            idempotency_key=input.idempotency_key,
            today=ctx.today,
        )
        return _echoed(
            UnitPerformancePayload,
            result,
            unit_code=input.unit_code.strip(),
            year=input.year,
            predicate=input.predicate,
        )

    @strawberry.mutation(description="Declare a family tie: transfers check that no relative is a direct superior.")
    async def declare_family_relation(self, info: Info, input: DeclareFamilyRelationInput) -> FamilyRelationPayload:
        ctx = info.context
        result = await declare_family_relation(
            ctx.db,
            Acting(ctx.viewer),
            employee_nip=input.employee_nip,
            relative_nip=input.relative_nip,
            kind=input.kind,
            idempotency_key=input.idempotency_key,
            today=ctx.today,
        )
        return _echoed(
            FamilyRelationPayload,
            result,
            employee_nip=normalize(input.employee_nip),
            relative_nip=normalize(input.relative_nip),
            kind=input.kind,
        )
