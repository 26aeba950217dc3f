"""Errors meant for clients: kept by the error mask (everything else becomes "Unexpected error.")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionResult

_PLAIN_RESULTS = (GraphQLExecutionResult, ExecutionResult)

UNAVAILABLE_MESSAGE = "the database is unreachable right now; nothing was changed, retry in a few seconds"
UNAVAILABLE_BODY = {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "UNAVAILABLE"}}]}


class DatabaseUnavailable(Exception):
    """The database cannot be reached; answered 503 with Retry-After before any GraphQL work starts."""


def is_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection (or a busy SQLite file): the client may simply retry."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | ConnectionError | OSError | asyncio.TimeoutError)


class PublicError(Exception):
    """A request the server refuses on purpose; its message is safe and tells the client what to do."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.code = code


def should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False  # graphql-core's own validation and input-coercion errors are meant for the client
    if isinstance(original, PublicError):
        error.extensions = {**(error.extensions or {}), "code": original.code}
        return False
    return True


def _is_nul_refusal(exc: BaseException) -> bool:
    """PostgreSQL refuses text containing U+0000 ("invalid byte sequence for encoding UTF8: 0x00")."""
    return isinstance(exc, DBAPIError) and "0x00" in str(exc.orig)


class AsnflowMaskErrors(MaskErrors):
    """Mask unexpected errors, but tell the client plainly when the database is unreachable (retryable)."""

    def on_operation(self) -> Iterator[None]:
        """strawberry's masking, skipped for a plain result without errors: its check for errors is an
        ``isinstance`` against a runtime protocol (about 10 µs, a tenth of a trivial query's own work)."""
        masking = super().on_operation()
        next(masking)
        yield
        result = self.execution_context.result
        if type(result) in _PLAIN_RESULTS and not result.errors:  # type: ignore[union-attr]
            return
        for _ in masking:
            pass

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if original is not None and _is_nul_refusal(original):
            return GraphQLError(
                "text values must not contain NUL characters (\\u0000)",
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "BAD_USER_INPUT"},
            )
        if original is not None and is_unavailable(original):
            return GraphQLError(
                UNAVAILABLE_MESSAGE,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={"code": "UNAVAILABLE"},
            )
        return super().anonymise_error(error)
