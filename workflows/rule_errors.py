"""Refusals that apply a rule: the sentence ends with the rule version and its legal basis, and the error
carries the version (``UserError.rule``), so a client can show which regulation refused and since when.
"""

from __future__ import annotations

from server.errors import ErrorCode, UserError
from server.rules import rule_by_id
from workflows.guards import GuardResult


def guard_error(result: GuardResult) -> UserError:
    """GUARD_FAILED for a failed guard, naming the guard, what decided it, and the rule it applied."""
    message = f"{result.guard}: {result.message}"
    if result.rule_version is None:
        return UserError(ErrorCode.GUARD_FAILED, f"{message} (no rule version)", result.guard)
    rule = rule_by_id(result.rule_version)
    return UserError(ErrorCode.GUARD_FAILED, f"{message} ({rule.cite()})", result.guard, rule.version_id)
