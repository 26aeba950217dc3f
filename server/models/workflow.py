"""Workflow requests, their approvals, their open and closed tasks, and idempotency records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class WorkflowRequest(Base):
    __tablename__ = "workflow_requests"
    __table_args__ = (
        Index("ix_requests_subject", "subject_employee_id"),
        Index("ix_requests_kind_state", "kind", "state"),
        Index("ix_requests_due", "terminal", "effective_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    terminal: Mapped[bool] = mapped_column(Boolean, default=False)
    definition_version: Mapped[str] = mapped_column(String(40))
    subject_employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    origin_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    origin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    """The unit the subject moves from (a transfer's): its officials route and read the request."""
    subject_position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"), index=True)
    """The position a request about a position is about (a quota change's); ``subject`` is then its proposer."""
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    """The day an evaluation was delivered to the employee: the objection window runs from it."""
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What the definition declares: the proposal's inputs and the steps' typed data, nothing else."""
    proposer_person: Mapped[str | None] = mapped_column(String(64))
    """The proposer as a person (their NIP): a delegate's proposal is the delegator's for segregation of duties."""
    implied_steps: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    """The approval steps the proposal gave with it (taken by themselves when the request reaches them)."""
    last_action: Mapped[str | None] = mapped_column(String(40))
    """The last step taken: its action, the state it left and who took it (a lost race names them)."""
    last_from_state: Mapped[str | None] = mapped_column(String(40))
    last_by: Mapped[str | None] = mapped_column(String(64))
    rule_versions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    effects_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    @property
    def step_position_id(self) -> int | None:
        """The position its steps read (guards, effects): the one it fills, else the one it is about."""
        return self.position_id if self.position_id is not None else self.subject_position_id


class RequestApproval(Base):
    """The approval step a person took on a request (segregation of duties: at most one per person, across
    every round); a delegate's step is recorded for the delegator too, with the delegate as ``user_id``."""

    __tablename__ = "request_approvals"

    request_id: Mapped[int] = mapped_column(ForeignKey("workflow_requests.id"), primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Task(Base):
    """An open (or closed) step: who may act, by role in a unit or as a named user for relation steps."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_role", "closed_at", "role", "unit_id"),
        Index("ix_tasks_open_assignee", "closed_at", "assignee_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("workflow_requests.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_user_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    # Deadlines that act (workflows/escalation.py): the reminder of an overdue task, its escalation, and on an
    # assignee row the escalation added, the task it escalates.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_from: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))


class IdempotencyRecord(Base):
    """The first result of a mutation for (user, key); a replay returns it, a different input is refused."""

    __tablename__ = "idempotency_records"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
