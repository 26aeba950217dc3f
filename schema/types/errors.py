"""``UserError`` and ``ErrorCode`` (API.md): expected failures of a mutation, answered as data."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from schema.types.rules import RuleVersion, rule_version
from server import errors as domain

ErrorCode = domain.ErrorCode
strawberry.enum(ErrorCode, name="ErrorCode")  # registers the domain enum as the GraphQL ErrorCode


@strawberry.type
class UserError:
    code: ErrorCode
    message: str
    field: str | None = None
    rule: RuleVersion | None = strawberry.field(
        default=None, description="The rule version a GUARD_FAILED or a rule-based VALIDATION applied."
    )


def user_errors(errors: Iterable[domain.UserError]) -> list[UserError]:
    return [UserError(code=e.code, message=e.message, field=e.field, rule=rule_version(e.rule)) for e in errors]
