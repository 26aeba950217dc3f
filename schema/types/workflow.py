"""Workflow requests, tasks, action options and definitions as GraphQL types (API.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import field as dc_field
from enum import Enum
from typing import TYPE_CHECKING, cast

import strawberry
from strawberry.scalars import JSON

from schema.types.audit import AuditEvent
from schema.types.competency import CandidateFit
from schema.types.errors import UserError
from schema.types.node import Node
from schema.types.registry import Employee, Position
from schema.types.rules import RuleVersion, recorded_rules
from server import models
from workflows import catalog
from workflows.step_data import DataField


def _request_kind() -> type[Enum]:
    """One value per workflow kind, in catalog order, described by its definition's ``summary``."""
    values = {d.kind: strawberry.enum_value(d.kind, description=d.summary) for d in catalog.current_definitions()}
    kinds = cast(type[Enum], Enum("RequestKind", values))
    return strawberry.enum(kinds, description="Which workflow a request follows.")


if TYPE_CHECKING:

    class RequestKind(Enum):
        """For the type checker: the members are the catalog's kinds (``workflows.catalog.kinds``)."""

else:
    RequestKind = _request_kind()


@strawberry.enum
class ActionKind(Enum):
    FORWARD = "forward"
    REJECT = "reject"
    RETURN = "return"
    WITHDRAW = "withdraw"


@strawberry.enum(description="The type of a step input, as a form draws it.")
class ActionInputType(Enum):
    STRING = "string"
    ENUM = "enum"
    DATE = "date"
    INTEGER = "integer"


@strawberry.type(
    description="One value an action takes in `act`'s `data` (typed step data, declared by the definition): "
    "enough to draw and check a form field before sending."
)
class ActionInput:
    name: str = strawberry.field(description="The key in `ActInput.data`, e.g. `decreeNo`.")
    type: str = strawberry.field(description="`string`, `enum`, `date` (YYYY-MM-DD) or `integer`.")
    input_type: ActionInputType = strawberry.field(description="`type` as an enum.")
    required: bool = strawberry.field(description="The action is refused (VALIDATION) without it.")
    choices: list[str] | None = strawberry.field(description="For an `enum`: the accepted values.")
    max_length: int | None = strawberry.field(description="For a `string`: the most characters accepted.")
    minimum: int | None = strawberry.field(description="For an `integer`: the smallest value accepted.")
    maximum: int | None = strawberry.field(description="For an `integer`: the largest value accepted.")

    @classmethod
    def of(cls, spec: DataField) -> ActionInput:
        return cls(
            name=spec.name,
            type=spec.type,
            input_type=ActionInputType(spec.type),
            required=spec.required,
            choices=list(spec.choices) if spec.choices is not None else None,
            max_length=spec.max_length,
            minimum=spec.minimum,
            maximum=spec.maximum,
        )


@strawberry.type
class ActionOption:
    action: str
    kind: ActionKind
    allowed: bool = strawberry.field(
        description="True only when the viewer may take the action and its guards would pass on the request's "
        "effective date."
    )
    reason: str | None = strawberry.field(description="Why it is not allowed: the refusal's or the guards' sentences.")
    blocked_by: list[str] = strawberry.field(
        default_factory=list,
        description="The rules that block the action: a guard's name (e.g. slot_vacant) or an authorization rule "
        "(route, policy, sod.own_case, ...); empty when allowed.",
    )
    inputs: list[ActionInput] = strawberry.field(
        default_factory=list,
        description="What the action takes in `data`, from the definition: a form for any action can be drawn from it.",
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@strawberry.type
class Task(Node):
    id: strawberry.ID
    step: str
    role: str
    unit_code: str | None
    assignee: str | None
    due_at: dt.datetime | None
    opened_at: dt.datetime
    request_id: strawberry.Private[int]
    request_obj: strawberry.Private[WorkflowRequest | None] = None
    overdue: bool = strawberry.field(default=False, description="Past its due time (`dueAt` before now).")
    blocked_reason: str | None = strawberry.field(
        default=None,
        description="Why the viewer cannot take this step forward, in a sentence: in `myTasks`, a task routed to "
        "them that segregation of duties forbids (e.g. they proposed the request); null when they can.",
    )

    @strawberry.field
    def request(self) -> WorkflowRequest:
        assert self.request_obj is not None, "request was not prefetched"
        return self.request_obj

    def node_key(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, row: models.Task, unit_code: str | None) -> Task:
        opened = _utc(row.opened_at)
        assert opened is not None
        return cls(
            id=strawberry.ID(str(row.id)),
            step=row.step,
            role=row.role,
            unit_code=unit_code,
            assignee=row.assignee_user_id,
            due_at=_utc(row.due_at),
            opened_at=opened,
            request_id=row.request_id,
        )


@strawberry.type
class WorkflowRequest(Node):
    id: strawberry.ID
    kind: RequestKind
    state: str
    version: int
    terminal: bool
    effective_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    proposed_by: str
    definition_version: str
    reason: str | None
    rule_versions: JSON
    row: strawberry.Private[models.WorkflowRequest]
    subject_obj: strawberry.Private[Employee | None] = None
    position_obj: strawberry.Private[Position | None] = None
    origin_position_obj: strawberry.Private[Position | None] = None
    subject_position_obj: strawberry.Private[Position | None] = None
    task_list: strawberry.Private[list[Task]] = dc_field(default_factory=list)
    action_list: strawberry.Private[list[ActionOption]] = dc_field(default_factory=list)
    history_list: strawberry.Private[list[AuditEvent]] = dc_field(default_factory=list)
    fit_obj: strawberry.Private[CandidateFit | None] = None

    @strawberry.field
    def subject(self) -> Employee:
        assert self.subject_obj is not None, "subject was not prefetched"
        return self.subject_obj

    @strawberry.field(description="The position the request is about (target of a placement or transfer).")
    def position(self) -> Position | None:
        return self.position_obj

    @strawberry.field(description="The position a transfer moves the employee out of.")
    def origin_position(self) -> Position | None:
        return self.origin_position_obj

    @strawberry.field
    def subject_position(self) -> Position | None:
        return self.subject_position_obj

    @strawberry.field
    def requested_quota(self) -> int | None:
        quota = (self.row.data or {}).get("quota") if self.row.kind == "QUOTA_CHANGE" else None
        return int(quota) if quota is not None else None

    @strawberry.field
    def open_tasks(self) -> list[Task]:
        return self.task_list

    @strawberry.field(description="Every action of the current state, allowed or not for the viewer, with the reason.")
    def available_actions(self) -> list[ActionOption]:
        return self.action_list

    @strawberry.field(
        description="For a placement or position promotion: how well the subject fits the position in "
        "competencies today (vacancyCandidates' fit and reasons); null for other kinds, or when the subject's "
        "file is not yours to read."
    )
    def candidate_fit(self) -> CandidateFit | None:
        return self.fit_obj

    @strawberry.field(description="This request's audit trail, oldest first.")
    def history(self) -> list[AuditEvent]:
        return self.history_list

    @strawberry.field(description="The rule versions the request is judged by (in force on its effective date).")
    def rules(self) -> list[RuleVersion]:
        return recorded_rules(self.row.rule_versions)

    def node_key(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, row: models.WorkflowRequest) -> WorkflowRequest:
        created, updated = _utc(row.created_at), _utc(row.updated_at)
        assert created is not None and updated is not None
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=RequestKind(row.kind),
            state=row.state,
            version=row.version,
            terminal=row.terminal,
            effective_date=row.effective_date,
            created_at=created,
            updated_at=updated,
            proposed_by=row.proposed_by,
            definition_version=row.definition_version,
            reason=row.reason,
            rule_versions=cast(JSON, dict(row.rule_versions or {})),
            row=row,
        )


@strawberry.type
class WorkflowDefinition:
    kind: RequestKind
    version: str
    title: str
    states: list[str]
    terminal_states: list[str]
    actions: list[str]
    diagram: str = strawberry.field(description="A mermaid stateDiagram of the definition.")


@strawberry.type
class RequestPayload:
    request: WorkflowRequest | None
    errors: list[UserError]


@strawberry.type
class Explanation:
    allowed: bool
    reasons: list[str]
