"""The organisation: units (a tree with a materialised path) and positions (jabatan) in them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Unit(Base):
    """A unit of Pemprov DKI. ``path`` is ``/<id>/<id>/.../`` from the root: a subtree is a prefix."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)


class Position(Base):
    """A position in a unit with its approved headcount (formasi) and requirements."""

    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("quota >= 0", name="quota_not_negative"),
        CheckConstraint("job_class IS NULL OR (job_class BETWEEN 1 AND 17)", name="job_class_range"),
        Index("ix_positions_unit_code", "unit_id", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    parent_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    managerial: Mapped[bool] = mapped_column(Boolean, default=False)
    quota: Mapped[int] = mapped_column(Integer, default=1)
    job_class: Mapped[int | None] = mapped_column(Integer)
    min_education: Mapped[str | None] = mapped_column(String(10))
    min_rank: Mapped[str | None] = mapped_column(String(6))
    max_rank: Mapped[str | None] = mapped_column(String(6))
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)


ORGANISATION_PREDICATES = ("Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")


class UnitPerformance(Base):
    """A unit's own performance predicate for a year: it sets the distribution its staff's predicates follow."""

    __tablename__ = "unit_performance"
    __table_args__ = (
        CheckConstraint(
            "predicate IN ('Istimewa', 'Baik', 'Butuh Perbaikan', 'Kurang', 'Sangat Kurang')",
            name="predicate_code",
        ),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    predicate: Mapped[str] = mapped_column(String(20))
