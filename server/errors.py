"""Expected failures of a command, answered as data (API.md ``UserError``), never as exceptions to clients.

Core (``server``): the write path (``server.commands``), the role commands in ``policies`` and the workflow
commands all raise and answer these, so no layer reaches upward for its error type.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from server.audit.writer import AuditEntry

if TYPE_CHECKING:
    from server.rules import RuleVersion


class ErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    GUARD_FAILED = "GUARD_FAILED"
    CONFLICT = "CONFLICT"
    IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_MISMATCH"


@dataclass(frozen=True)
class UserError:
    """``rule``: the id of the rule version a GUARD_FAILED or a rule-based VALIDATION applied."""

    code: ErrorCode
    message: str
    field: str | None = None
    rule: str | None = None


class CommandRefused(Exception):
    """Raised inside a command's transaction to roll it back and answer ``errors`` instead."""

    def __init__(self, *errors: UserError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors: tuple[UserError, ...] = errors


def validation(field: str, message: str, rule: RuleVersion | None = None) -> UserError:
    """VALIDATION of ``field``; when a dated ``rule`` refused it, the sentence ends with its version and basis."""
    if rule is None:
        return UserError(ErrorCode.VALIDATION, message, field)
    return UserError(ErrorCode.VALIDATION, f"{message} ({rule.cite()})", field, rule.version_id)


class Caller(Protocol):
    """Who sent a command, as the core needs it: ``policies.viewer.Viewer`` is one."""

    @property
    def user_id(self) -> str | None: ...

    @property
    def roles(self) -> Set[str]: ...


class AuditedRefusal(CommandRefused):
    """A refusal the audit log must show (FORBIDDEN, GUARD_FAILED): written after the rollback."""

    def __init__(self, entry: AuditEntry, *errors: UserError) -> None:
        super().__init__(*errors)
        self.entry = entry

    @classmethod
    def of(
        cls,
        caller: Caller,
        *errors: UserError,
        action: str,
        entity_type: str,
        entity_id: str,
        reason: str | None = None,
    ) -> AuditedRefusal:
        """The refusal of a command about ``entity_type`` ``entity_id``, audited as ``action``; ``reason`` tells
        auditors what the caller was not told (a NOT_FOUND for an object outside the caller's scope)."""
        entry = AuditEntry(
            actor=str(caller.user_id),
            actor_roles=sorted(caller.roles),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            after={
                "errors": [{"code": e.code.value, "message": e.message, "field": e.field} for e in errors],
                **({"reason": reason} if reason else {}),
            },
            comment="; ".join(e.message for e in errors),
        )
        return cls(entry, *errors)
