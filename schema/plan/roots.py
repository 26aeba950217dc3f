"""Root fields the compiled path fetches itself, through the same functions as their resolvers.

A root field is listed here with the arguments the compiled path accepts; any other argument given
(a filter, say) leaves the operation to graphql-core. ``positions`` and ``myTasks`` read Core rows of
column subsets (schema/plan/rows.py: the resolvers' statements with the entity swapped for columns, the
same SQL scoping through policies.read and policies.scope), and ``myTasks`` reads just the columns of
its selection when that selection can be projected from rows (``Rows``, schema/plan/projection.py); ``units`` and ``employees`` call the very
function the strawberry resolver calls. The selection goes as strawberry's ``Selection`` objects so the
prefetch asks for exactly what is selected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode
from strawberry.types.nodes import SelectedField, Selection

from schema.context import Context
from schema.plan.projection import Shape
from schema.plan.rows import my_task_rows, my_tasks_page, positions_page
from schema.prefetch import ListAsked
from schema.registry import employees_connection, units_connection
from server import models

Fetch = Callable[[Context, dict[str, Any], ListAsked], Awaitable[Any]]


@dataclass(frozen=True)
class Rows:
    """A root whose nodes can be projected from rows (schema/plan/projection.py): the node type, the
    table its statement reads, and the fetch of a page of rows in a shape's columns."""

    type_name: str
    table: Any
    fetch: Callable[[Context, dict[str, Any], ListAsked, Shape], Awaitable[Any]]


@dataclass(frozen=True)
class Root:
    arguments: frozenset[str]  # GraphQL argument names the fetch handles
    fetch: Fetch
    rows: Rows | None = None


async def _positions(ctx: Context, args: dict[str, Any], asked: ListAsked) -> Any:
    return await positions_page(ctx, args.get("first"), args.get("after"), asked.nodes, asked.total)


async def _my_tasks(ctx: Context, args: dict[str, Any], asked: ListAsked) -> Any:
    return await my_tasks_page(ctx, args.get("first"), args.get("after"), asked.nodes, asked.total)


async def _my_task_rows(ctx: Context, args: dict[str, Any], asked: ListAsked, shape: Shape) -> Any:
    return await my_task_rows(ctx, args.get("first"), args.get("after"), shape, asked.total)


async def _units(ctx: Context, args: dict[str, Any], asked: ListAsked) -> Any:
    return await units_connection(ctx, args.get("parentCode"), args.get("first"), args.get("after"), asked)


async def _employees(ctx: Context, args: dict[str, Any], asked: ListAsked) -> Any:
    return await employees_connection(ctx, None, args.get("first"), args.get("after"), asked)


ROOTS: dict[str, Root] = {
    "positions": Root(frozenset({"first", "after"}), _positions),
    "myTasks": Root(frozenset({"first", "after"}), _my_tasks, Rows("Task", models.Task, _my_task_rows)),
    "units": Root(frozenset({"parentCode", "first", "after"}), _units),
    "employees": Root(frozenset({"first", "after"}), _employees),
}


def selections(nodes: Sequence[FieldNode]) -> list[Selection]:
    """Plain field nodes (no fragments, directives or arguments: the plan's precondition) as strawberry's
    ``Selection`` objects, the form the prefetch reads."""
    return [
        SelectedField(
            name=n.name.value,
            directives={},
            arguments={},
            selections=selections([s for s in n.selection_set.selections if isinstance(s, FieldNode)])
            if n.selection_set
            else [],
            alias=n.alias.value if n.alias else None,
        )
        for n in nodes
    ]


def connection_nodes(root: FieldNode) -> ListAsked:
    """Under a connection field: the ``edges { node { ... } }`` selection, and whether ``totalCount`` is asked."""
    top = [s for s in (root.selection_set.selections if root.selection_set else ()) if isinstance(s, FieldNode)]
    nodes: list[FieldNode] = []
    for edges in (s for s in top if s.name.value == "edges"):
        for node in (s for s in edges.selection_set.selections if isinstance(s, FieldNode)):  # type: ignore[union-attr]
            if node.name.value == "node" and node.selection_set is not None:
                nodes.extend(s for s in node.selection_set.selections if isinstance(s, FieldNode))
    return ListAsked(selections(nodes), any(s.name.value == "totalCount" for s in top))
