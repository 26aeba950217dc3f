"""Users and their dated role grants in units. Casbin holds what roles may do; this holds who has them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class User(Base):
    """An account. For a civil servant the id is the NIP and ``employee_id`` links the record."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)


class RoleGrant(Base):
    """``role`` held by ``user_id`` in ``unit_id`` (and its subtree; NULL = province-wide) for a period."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_user_role", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    acting: Mapped[str | None] = mapped_column(String(10))
    granted_by: Mapped[str | None] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A delegation's source: the delegator's own grant. The delegation applies only while that one does.
    delegated_from: Mapped[int | None] = mapped_column(ForeignKey("role_grants.id"), index=True)


class PolicyState(Base):
    """One row: a counter bumped by every grant change, so other processes know to reload."""

    __tablename__ = "policy_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
