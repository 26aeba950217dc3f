"""ORM models, one module per concept; importing this package registers every table."""

from server.models.access import PolicyState, RoleGrant, User
from server.models.audit import AuditEvent, AuditHead
from server.models.base import Base
from server.models.competency import Competency, CompetencyRequirement
from server.models.org import Position, Unit, UnitPerformance
from server.models.people import (
    Assessment,
    Assignment,
    DisciplinarySanction,
    EducationRecord,
    Employee,
    EvaluationResult,
    FamilyRelation,
    RankHistory,
    ServiceExamCertificate,
    TrainingRecord,
)
from server.models.planning import PositionQuota, PositionWorkload
from server.models.workflow import IdempotencyRecord, RequestApproval, Task, WorkflowRequest

__all__ = [
    "Assessment",
    "Assignment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Competency",
    "CompetencyRequirement",
    "DisciplinarySanction",
    "EducationRecord",
    "Employee",
    "EvaluationResult",
    "FamilyRelation",
    "IdempotencyRecord",
    "PolicyState",
    "Position",
    "PositionQuota",
    "PositionWorkload",
    "RankHistory",
    "RequestApproval",
    "RoleGrant",
    "ServiceExamCertificate",
    "Task",
    "TrainingRecord",
    "Unit",
    "UnitPerformance",
    "User",
    "WorkflowRequest",
]
