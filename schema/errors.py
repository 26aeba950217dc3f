"""Errors meant for clients: kept by the error mask (everything else becomes "Unexpected error.")."""

from __future__ import annotations

from graphql import GraphQLError


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
