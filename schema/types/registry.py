"""Units, positions, employees and their histories as GraphQL types (API.md).

Nested fields are resolved from data the root resolver prefetched for the whole page
(schema/prefetch.py): resolvers here only look up, never query, so a page costs a fixed number of
statements and no per-field awaits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field

import strawberry

from policies.read import CARD, FILE
from schema.errors import PublicError
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
        """One object per rank code (a rank is a code and its name; nothing fills it per request)."""
        if code is None:
            return None
        found = _RANKS.get(code)
        if found is None:
            found = _RANKS[code] = cls(code=code, name=RANK_NAMES[code])
        return found


_RANKS: dict[str, Rank] = {}


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


# Fields a card and a file answer alike: a selection of only these needs no read-rule decision.
ALIKE_FIELDS = frozenset({"nip", "name", "rank", "__typename"})


@dataclass(frozen=True)
class FileFacts:
    """The scalar fields of a person's file, kept aside so a card cannot answer them by accident."""

    birth_date: dt.date
    gender: str
    employment_type: str
    education: str
    status: str
    rank_since: dt.date | None


@strawberry.type(
    description=(
        "A civil servant. Whoever may read the person's file (policies/read.py: the person, readers whose "
        "scope covers their unit today, province-wide readers, an approver holding an open task about them) "
        "gets every field (access FILE). Anyone else who reaches them through another object gets their card "
        "(access CARD): nip, name, rank, and position/unit only for the position and day that led there; the "
        "file's lists are empty, its nullable fields null, and its non-null fields a FORBIDDEN error."
    )
)
class Employee(Node):
    nip: str
    name: str
    rank: Rank | None
    access: str = strawberry.field(
        default=CARD, description="FILE when the whole file is yours to read, CARD when you see the card only."
    )
    id_: strawberry.Private[int] = 0
    facts: strawberry.Private[FileFacts | None] = None
    settled: strawberry.Private[bool] = False
    lead_position_id: strawberry.Private[int | None] = None
    lead_unit_id: strawberry.Private[int | None] = None
    lead_day: strawberry.Private[dt.date | None] = None
    position_by_day: strawberry.Private[dict[dt.date | None, Position | None]] = dc_field(default_factory=dict)
    unit_obj: strawberry.Private[Unit | None] = None
    assignment_list: strawberry.Private[list[Assignment]] = dc_field(default_factory=list)
    evaluation_list: strawberry.Private[list[EvaluationResult]] = dc_field(default_factory=list)
    rank_steps: strawberry.Private[list[RankStep]] = dc_field(default_factory=list)
    hours_by_year: strawberry.Private[dict[int, int]] = dc_field(default_factory=dict)

    def _file(self, name: str) -> FileFacts:
        """The file's facts, or the FORBIDDEN error that a card answers for a non-null file field."""
        if self.access != FILE or self.facts is None:
            raise PublicError(
                f"{name} of NIP {self.nip}: you see this person's card (nip, name, rank and the position that "
                "led you to them), not their file; select access to tell cards from files, and ask for "
                f"{name} only where access is FILE",
                code="FORBIDDEN",
            )
        return self.facts

    @strawberry.field
    def birth_date(self) -> dt.date:
        return self._file("birthDate").birth_date

    @strawberry.field
    def gender(self) -> str:
        return self._file("gender").gender

    @strawberry.field
    def employment_type(self) -> str:
        return self._file("employmentType").employment_type

    @strawberry.field
    def education(self) -> str:
        return self._file("education").education

    @strawberry.field
    def status(self) -> str:
        return self._file("status").status

    @strawberry.field(description="Since when the current rank is held (file: null on a card).")
    def rank_since(self) -> dt.date | None:
        return self.facts.rank_since if self.access == FILE and self.facts is not None else None

    @strawberry.field(
        description=(
            "The definitive position held on asOf (default today). On a card: the position that led there, "
            "only for the day it led there; null otherwise."
        )
    )
    def position(self, as_of: dt.date | None = None) -> Position | None:
        return self.position_by_day.get(as_of)

    @strawberry.field(description="The unit of today's definitive position (on a card: only if it led there today).")
    def unit(self) -> Unit | None:
        return self.unit_obj

    @strawberry.field(description="Every assignment, oldest first (file: empty on a card).")
    def assignments(self) -> list[Assignment]:
        return self.assignment_list

    @strawberry.field(description="Final evaluation predicates by year (file: empty on a card).")
    def evaluations(self) -> list[EvaluationResult]:
        return self.evaluation_list

    @strawberry.field(description="Every rank held, oldest first, with its TMT and decree (file: empty on a card).")
    def rank_history(self) -> list[RankStep]:
        return self.rank_steps

    @strawberry.field(description="Verified training hours (JP) in the calendar year (file: FORBIDDEN on a card).")
    def training_hours(self, year: int) -> int:
        self._file("trainingHours")
        return self.hours_by_year.get(year, 0)

    def node_key(self) -> str:
        return self.nip

    @classmethod
    def of(cls, row: models.Employee) -> Employee:
        """The person as found; ``Prefetch.employees`` settles whether the viewer gets the file or the card."""
        return cls(
            nip=row.nip,
            name=row.name,
            rank=Rank.of(row.rank_code),
            id_=row.id,
            facts=FileFacts(
                birth_date=row.birth_date,
                gender=row.gender,
                employment_type=row.employment_type,
                education=row.education,
                status=row.status,
                rank_since=row.rank_since,
            ),
        )

    @classmethod
    def file_of(cls, row: models.Employee) -> Employee:
        """The person whose file the caller has already established the viewer may read."""
        found = cls.of(row)
        found.access, found.settled = FILE, True
        return found

    @classmethod
    def card_of(cls, row: models.Employee, *, position_id: int, unit_id: int, day: dt.date) -> Employee:
        """The card of a person reached as a holder of ``position_id`` on ``day``: no file facts at all."""
        return cls(
            nip=row.nip,
            name=row.name,
            rank=Rank.of(row.rank_code),
            id_=row.id,
            settled=True,
            lead_position_id=position_id,
            lead_unit_id=unit_id,
            lead_day=day,
        )
