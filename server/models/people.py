"""Civil servants and their histories: ranks, assignments, training, evaluations, sanctions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("gender IN ('M', 'F')", name="gender_code"),
        CheckConstraint("employment_type IN ('PNS', 'PPPK')", name="employment_type_code"),
        CheckConstraint("length(nip) = 18", name="nip_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1))
    employment_type: Mapped[str] = mapped_column(String(4))
    education: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(12), default="active")
    rank_code: Mapped[str | None] = mapped_column(String(6), index=True)
    rank_since: Mapped[dt.date | None] = mapped_column(Date)
    has_service_exam: Mapped[bool] = mapped_column(Boolean, default=False)


class RankHistory(Base):
    __tablename__ = "rank_history"
    __table_args__ = (UniqueConstraint("employee_id", "tmt", name="employee_tmt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    rank_code: Mapped[str] = mapped_column(String(6))
    tmt: Mapped[dt.date] = mapped_column(Date)
    decree_no: Mapped[str | None] = mapped_column(String(80))


class Assignment(Base):
    """Who held which position from which TMT to which, under which decree.

    ``managerial`` copies the position's flag so the database can refuse two definitive holders of
    a managerial position at once (an exclusion constraint on PostgreSQL, a trigger on SQLite).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("kind IN ('definitive', 'acting')", name="kind_code"),
        Index("ix_assignments_position_dates", "position_id", "start_date"),
        Index("ix_assignments_employee_dates", "employee_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12), default="definitive")
    managerial: Mapped[bool] = mapped_column(Boolean, default=False)
    decree_no: Mapped[str | None] = mapped_column(String(80))


class TrainingRecord(Base):
    __tablename__ = "training_records"
    __table_args__ = (CheckConstraint("hours >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)


class EvaluationResult(Base):
    __tablename__ = "evaluation_results"
    __table_args__ = (UniqueConstraint("employee_id", "year", name="employee_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    predicate: Mapped[str] = mapped_column(String(20))


class DisciplinarySanction(Base):
    """A sanction under PP 94/2021; ``end_date`` None runs without end (dismissal). Ended early on appeal, the
    end date moves and ``ended_early_reason`` says why (the decreed end stays in the audit log)."""

    __tablename__ = "disciplinary_sanctions"
    __table_args__ = (CheckConstraint("severity IN ('light', 'moderate', 'heavy')", name="severity_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    decree_no: Mapped[str | None] = mapped_column(String(80))
    ended_early_reason: Mapped[str | None] = mapped_column(String(500))


SERVICE_EXAM_GROUPS = ("III", "IV")


class ServiceExamCertificate(Base):
    """A passed service exam (ujian dinas): the certificate a rank promotion into ``opens_group`` needs."""

    __tablename__ = "service_exam_certificates"
    __table_args__ = (
        UniqueConstraint("employee_id", "opens_group", name="one_certificate_per_group"),
        CheckConstraint("opens_group IN ('III', 'IV')", name="group_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    opens_group: Mapped[str] = mapped_column(String(3))
    certificate_no: Mapped[str] = mapped_column(String(80))
    passed_on: Mapped[dt.date] = mapped_column(Date)


POTENTIAL_CLASSES = ("low", "middle", "high")


class Assessment(Base):
    """A competency/potential assessment: the potential axis of the talent pool's nine-box grid."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("potential_score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("potential_class IN ('low', 'middle', 'high')", name="class_code"),
        Index("ix_assessments_employee_date", "employee_id", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    potential_score: Mapped[int] = mapped_column(Integer)
    potential_class: Mapped[str] = mapped_column(String(6))
    report_no: Mapped[str] = mapped_column(String(80))


class EducationRecord(Base):
    """A level of education attained, with its date and evidence; the employee's ``education`` is the latest."""

    __tablename__ = "education_records"
    __table_args__ = (Index("ix_education_records_employee", "employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    level: Mapped[str] = mapped_column(String(6))
    graduated_on: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(200))


FAMILY_KINDS = ("spouse", "parent", "child", "sibling", "in_law")


class FamilyRelation(Base):
    """A declared family tie between two civil servants: the facts a conflict-of-interest check reads.

    Stored once per pair, as declared (``employee_id`` declared ``relative_id`` as their ``kind``); checks
    read it both ways.
    """

    __tablename__ = "family_relations"
    __table_args__ = (
        UniqueConstraint("employee_id", "relative_id", name="one_tie_per_pair"),
        CheckConstraint("employee_id <> relative_id", name="not_oneself"),
        CheckConstraint("kind IN ('spouse', 'parent', 'child', 'sibling', 'in_law')", name="kind_code"),
        Index("ix_family_relations_relative", "relative_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    relative_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(10))
    declared_on: Mapped[dt.date] = mapped_column(Date)
