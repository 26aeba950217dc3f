"""The competency catalogue and what positions require of it (PermenPANRB 38/2017: technical, managerial and
socio-cultural competencies, levels 1-5).

Only the catalogue and the requirements are stored. What an employee has is derived when asked
(``workflows.competency``): from education, verified training (``TrainingRecord.competencies`` holds
catalogue codes, the training's areas) and competency assessments.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base

COMPETENCY_KINDS = ("technical", "managerial", "socio-cultural")


class Competency(Base):
    """A competency of the catalogue: its code (what training records and requirements name), name and kind."""

    __tablename__ = "competencies"
    __table_args__ = (CheckConstraint("kind IN ('technical', 'managerial', 'socio-cultural')", name="kind_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))


class CompetencyRequirement(Base):
    """A competency at a level that every position of ``position_type`` requires, or one position alone
    (``position_id``); a position's own requirement of a competency overrides its type's."""

    __tablename__ = "competency_requirements"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint("(position_type IS NULL) <> (position_id IS NULL)", name="type_or_position"),
        Index("ix_competency_requirements_type", "position_type"),
        Index("ix_competency_requirements_position", "position_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_type: Mapped[str | None] = mapped_column(String(20))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    competency_code: Mapped[str] = mapped_column(ForeignKey("competencies.code"))
    level: Mapped[int] = mapped_column(Integer)
