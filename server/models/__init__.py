"""ORM models, one module per concept; importing this package registers every table."""

from server.models.access import PolicyState, RoleGrant, User
from server.models.audit import AuditEvent, AuditHead
from server.models.base import Base
from server.models.org import Position, Unit, UnitPerformance
from server.models.people import (
    Assignment,
    DisciplinarySanction,
    Employee,
    EvaluationResult,
    FamilyRelation,
    RankHistory,
    TrainingRecord,
)
from server.models.workflow import IdempotencyRecord, Task, WorkflowRequest

__all__ = [
    "Assignment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "DisciplinarySanction",
    "Employee",
    "EvaluationResult",
    "FamilyRelation",
    "IdempotencyRecord",
    "PolicyState",
    "Position",
    "RankHistory",
    "RoleGrant",
    "Task",
    "TrainingRecord",
    "Unit",
    "UnitPerformance",
    "User",
    "WorkflowRequest",
]
