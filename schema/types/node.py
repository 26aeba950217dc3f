"""The Relay ``Node`` interface and its global ids, beside the ids clients already use.

A global id is base64 of ``"<Type>:<key>"`` (``WorkflowRequest:12``, ``Employee:198609262015051001``,
``Position:DIS-ADM-01``): the key is what the type's own root field takes (a request or task id, a NIP,
a position or unit code, an audit event's seq). It lives in ``nodeId``, not ``id``: ``WorkflowRequest.id``
and ``Task.id`` already answer the row id ("12") and API.md forbids changing what a field means, so the
interface field takes PostGraphile's name for the same idea. ``Query.node(id:)`` reads through the
same functions (and so the same read rule) as the type's root field: schema/node.py.
"""

from __future__ import annotations

import base64
import binascii

import strawberry

NODE_TYPES = ("WorkflowRequest", "Task", "Employee", "Position", "Unit", "AuditEvent")
MAX_GLOBAL_ID_CHARS = 200


class GlobalIdError(ValueError):
    """A ``node(id:)`` argument that is not a global id of this API; the message says what one looks like."""


def global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def parse_global_id(raw: str) -> tuple[str, str]:
    """``(type name, key)`` from a global id; a malformed one or an unknown type is a ``GlobalIdError``."""
    shown = raw if len(raw) <= 40 else f"{raw[:37]}..."
    example = global_id("WorkflowRequest", "12")
    if len(raw) > MAX_GLOBAL_ID_CHARS:
        raise GlobalIdError(f"id: {shown!r} is too long for a global id; use a nodeId, such as {example!r}")
    try:
        text = base64.b64decode(raw.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise GlobalIdError(f"id: {shown!r} is not a global id; use a nodeId, such as {example!r}") from None
    type_name, sep, key = text.partition(":")
    if not sep or not key:
        raise GlobalIdError(f"id: {shown!r} is not a global id; use a nodeId, such as {example!r}")
    if type_name not in NODE_TYPES:
        raise GlobalIdError(f"id: {shown!r} names type {type_name!r}; global ids name one of {', '.join(NODE_TYPES)}")
    return type_name, key


@strawberry.interface(
    description="An object with a global id: fetch it again with `node(id: nodeId)` (Relay's object identification)."
)
class Node:
    @strawberry.field(description='The global id: base64 of "<Type>:<key>", e.g. "WorkflowRequest:12".')
    def node_id(self) -> strawberry.ID:
        return strawberry.ID(global_id(type(self).__name__, self.node_key()))

    def node_key(self) -> str:
        """The key the type's own root field takes (overridden by every implementing type)."""
        raise NotImplementedError
