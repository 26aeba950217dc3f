"""Units, positions, employees and their histories as GraphQL types (API.md).

Nested fields are resolved from data the root resolver prefetched for the whole page
(schema/prefetch.py): resolvers here only look up, never query, so a page costs a fixed number of
statements and no per-field awaits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field as dc_field

import strawberry

from schema.types.node import Node
from schema.types.vocabulary import PositionType, RankCode
from server import models
from server.domain.ranks import RANK_NAMES


@strawberry.type
class Rank:
    code: str
    name: str

    @strawberry.field(description="`code` as an enum (III/a is III_A).")
    def rank_code(self) -> RankCode:
        return RankCode(self.code)

    @classmethod
    def of(cls, code: str | None) -> Rank | None:
        return None if code is None else cls(code=code, name=RANK_NAMES[code])


@strawberry.type
class Unit(Node):
    code: str
    name: str
    kind: str
    id_: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]
    parent_obj: strawberry.Private[Unit | None] = None

    @strawberry.field
    def parent(self) -> Unit | None:
        return self.parent_obj

    def node_key(self) -> str:
        return self.code

    @classmethod
    def of(cls, row: models.Unit) -> Unit:
        return cls(code=row.code, name=row.name, kind=row.kind, id_=row.id, parent_id=row.parent_id)


@strawberry.type
class Position(Node):
    code: str
    title: str
    type: str
    quota: int
    job_class: int | None
    min_education: str | None
    min_rank: str | None
    max_rank: str | None
    id_: strawberry.Private[int]
    unit_id: strawberry.Private[int]
    unit_obj: strawberry.Private[Unit | None] = None
    holders_by_day: strawberry.Private[dict[dt.date | None, list[Employee]]] = dc_field(default_factory=dict)
    vacancies: int = strawberry.field(
        default=0, description="Approved headcount minus today's definitive holders (never negative)."
    )

    @strawberry.field
    def unit(self) -> Unit:
        assert self.unit_obj is not None, "unit was not prefetched"
        return self.unit_obj

    @strawberry.field(description="`type` as an enum.")
    def position_type(self) -> PositionType:
        return PositionType(self.type)

    @strawberry.field(description="Definitive holders on asOf (default today), visible to the viewer.")
    def holders(self, as_of: dt.date | None = None) -> list[Employee]:
        return self.holders_by_day[as_of]

    def node_key(self) -> str:
        return self.code

    @classmethod
    def of(cls, row: models.Position) -> Position:
        return cls(
            code=row.code,
            title=row.title,
            type=row.type,
            quota=row.quota,
            job_class=row.job_class,
            min_education=row.min_education,
            min_rank=row.min_rank,
            max_rank=row.max_rank,
            id_=row.id,
            unit_id=row.unit_id,
        )


@strawberry.type
class Assignment:
    start_date: dt.date
    end_date: dt.date | None
    kind: str
    decree_no: str | None
    position_id: strawberry.Private[int]
    position_obj: strawberry.Private[Position | None] = None

    @strawberry.field
    def position(self) -> Position:
        assert self.position_obj is not None, "position was not prefetched"
        return self.position_obj

    @classmethod
    def of(cls, row: models.Assignment) -> Assignment:
        return cls(
            start_date=row.start_date,
            end_date=row.end_date,
            kind=row.kind,
            decree_no=row.decree_no,
            position_id=row.position_id,
        )


@strawberry.type
class EvaluationResult:
    year: int
    predicate: str


@strawberry.type(description="A rank held from its TMT (terhitung mulai tanggal), under its decree.")
class RankStep:
    rank: Rank | None
    tmt: dt.date
    decree_no: str | None


@strawberry.type
class Employee(Node):
    nip: str
    name: str
    birth_date: dt.date
    gender: str
    employment_type: str
    education: str
    status: str
    rank_since: dt.date | None
    rank: Rank | None
    id_: strawberry.Private[int]
    position_by_day: strawberry.Private[dict[dt.date | None, Position | None]] = dc_field(default_factory=dict)
    unit_obj: strawberry.Private[Unit | None] = None
    assignment_list: strawberry.Private[list[Assignment]] = dc_field(default_factory=list)
    evaluation_list: strawberry.Private[list[EvaluationResult]] = dc_field(default_factory=list)
    rank_steps: strawberry.Private[list[RankStep]] = dc_field(default_factory=list)
    hours_by_year: strawberry.Private[dict[int, int]] = dc_field(default_factory=dict)

    @strawberry.field(description="The definitive position held on asOf (default today).")
    def position(self, as_of: dt.date | None = None) -> Position | None:
        return self.position_by_day.get(as_of)

    @strawberry.field(description="The unit of today's definitive position.")
    def unit(self) -> Unit | None:
        return self.unit_obj

    @strawberry.field
    def assignments(self) -> list[Assignment]:
        return self.assignment_list

    @strawberry.field
    def evaluations(self) -> list[EvaluationResult]:
        return self.evaluation_list

    @strawberry.field(description="Every rank held, oldest first, with its TMT and decree.")
    def rank_history(self) -> list[RankStep]:
        return self.rank_steps

    @strawberry.field(description="Verified training hours (JP) in the calendar year.")
    def training_hours(self, year: int) -> int:
        return self.hours_by_year.get(year, 0)

    def node_key(self) -> str:
        return self.nip

    @classmethod
    def of(cls, row: models.Employee) -> Employee:
        return cls(
            nip=row.nip,
            name=row.name,
            birth_date=row.birth_date,
            gender=row.gender,
            employment_type=row.employment_type,
            education=row.education,
            status=row.status,
            rank_since=row.rank_since,
            rank=Rank.of(row.rank_code),
            id_=row.id,
        )
