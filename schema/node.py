"""``Query.node(id:)``: any ``Node`` by its global id, through the same resolver as the type's root field.

Each type is read by the function its own root field runs (``request``, ``employee``, ``position``,
``unit``; ``auditEvents``' rule for an event; a task through its request's read rule), so ``node`` can
never show what those hide: an object outside the viewer's scope reads null, exactly like a missing one.
The selection handed on keeps only the fragments for the type found, so ``... on Employee { unit }``
does not prefetch for a ``Position``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, cast

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection

from schema.audit import audit_event_node
from schema.context import Context, Info
from schema.errors import PublicError
from schema.inbox import task_node
from schema.registry import RegistryQuery
from schema.types.node import GlobalIdError, Node, parse_global_id
from schema.workflows import WorkflowQuery
from server.ids import BIGINT_MAX, parse_row_id


@dataclass
class _TypedInfo:
    """What the root resolvers read from ``Info`` (the context, the selection), narrowed to one type."""

    context: Context
    selected_fields: list[Selection]
    field_name: str


def _for_type(selections: list[Selection], type_name: str) -> list[Selection]:
    kept: list[Selection] = []
    for sel in selections:
        if isinstance(sel, InlineFragment | FragmentSpread):
            if sel.type_condition in (None, type_name, "Node"):
                kept.append(replace(sel, selections=_for_type(sel.selections, type_name)))
        else:
            kept.append(sel)
    return kept


def _typed(info: Info, type_name: str) -> Info:
    fields = [replace(f, selections=_for_type(f.selections, type_name)) for f in info.selected_fields]
    return cast(Info, _TypedInfo(context=info.context, selected_fields=fields, field_name=info.field_name))


def _root(owner: type, name: str) -> Callable[..., Awaitable[Any]]:
    """The function behind a root field (strawberry keeps the decorated method on the class)."""
    resolver: Callable[..., Awaitable[Any]] = getattr(owner, name)
    return resolver


async def _by_row_id(key: str, load: Callable[[int], Awaitable[Any]], maximum: int = 2**31 - 1) -> Any:
    row_id = parse_row_id(key, maximum)
    return None if row_id is None else await load(row_id)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this global id (a `nodeId`), if the viewer may read it; null when it does not "
        "exist or lies outside the viewer's scope, alike."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, key = parse_global_id(str(id))
        except GlobalIdError as exc:
            raise PublicError(str(exc)) from None
        typed = _typed(info, type_name)
        found: Any
        if type_name == "WorkflowRequest":
            found = await _root(WorkflowQuery, "request")(WorkflowQuery(), typed, strawberry.ID(key))
        elif type_name == "Task":
            found = await _by_row_id(key, lambda i: task_node(typed, i))
        elif type_name == "Employee":
            found = await _root(RegistryQuery, "employee")(RegistryQuery(), typed, key)
        elif type_name == "Position":
            found = await _root(RegistryQuery, "position")(RegistryQuery(), typed, key)
        elif type_name == "Unit":
            found = await _root(RegistryQuery, "unit")(RegistryQuery(), typed, key)
        else:
            found = await _by_row_id(key, lambda seq: audit_event_node(typed, seq), BIGINT_MAX)
        return cast(Node | None, found)
