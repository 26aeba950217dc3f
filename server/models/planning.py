"""Workforce planning: a position's workload analysis (analisis beban kerja, ABK) and its approved headcount
(formasi) over time.

A position's workload is a list of tasks, each with the outputs it yields a year and the hours one output takes
(its norm time); the staff the position needs is their total hours over the effective working hours of a year
(the dated rule ``workload.effective_hours``). The approved headcount is history: each row is the quota in force
from ``valid_from`` to ``valid_to`` (inclusive; ``valid_from`` NULL: since the position's record began, ``valid_to``
NULL: open), set by the request that changed it (NULL: recorded as master data). ``positions.quota`` stays the
quota in force today, which every existing read (vacancies, the slot guards) uses.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class PositionWorkload(Base):
    """One task of a position's workload analysis: ``annual_volume`` outputs a year at ``norm_hours`` each."""

    __tablename__ = "position_workloads"
    __table_args__ = (
        UniqueConstraint("position_id", "task", name="one_row_per_task"),
        CheckConstraint("annual_volume > 0", name="volume_positive"),
        CheckConstraint("norm_hours > 0", name="norm_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    task: Mapped[str] = mapped_column(String(200))
    annual_volume: Mapped[int] = mapped_column(Integer)
    norm_hours: Mapped[float] = mapped_column(Float)


class PositionQuota(Base):
    """The approved headcount of a position from ``valid_from`` to ``valid_to`` (both inclusive)."""

    __tablename__ = "position_quotas"
    __table_args__ = (
        CheckConstraint("quota >= 0", name="quota_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="to_after_from"),
        Index("ix_position_quotas_position_from", "position_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"))
    quota: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_requests.id"))
