"""``UserError`` and ``ErrorCode`` (API.md): expected failures of a mutation, answered as data."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from workflows import errors as domain

ErrorCode = domain.ErrorCode
strawberry.enum(ErrorCode, name="ErrorCode")  # registers the domain enum as the GraphQL ErrorCode


@strawberry.type
class UserError:
    code: ErrorCode
    message: str
    field: str | None = None


def user_errors(errors: Iterable[domain.UserError]) -> list[UserError]:
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]
