"""Expected failures of a command, answered as data (API.md ``UserError``), never as exceptions to clients."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

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
