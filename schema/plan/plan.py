"""The plan of a validated query: which root fields the compiled path fetches and how it completes them.

``plan_for`` returns None (graphql-core executes) unless every root field of a query operation is in
``schema.plan.roots.ROOTS``, given only the arguments listed there, and its whole selection compiles
(schema/plan/compile.py); or the operation is a mutation of one command the compiled path runs
(schema/plan/command.py). Plans are kept per operation node: strawberry's ParserCache hands back the
same document for the same query text, so a page asked again is planned once. A field added to the
schema has no plan entry and so runs on graphql-core, unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution import get_argument_values
from graphql.execution.values import VariableValues

from schema.context import Context
from schema.plan.command import CommandPlan, make_command_plan
from schema.plan.compile import Completer, Fallback, compile_output, plain_fields
from schema.plan.projection import RootProjection, Shape
from schema.plan.roots import ROOTS, Fetch, Root, connection_nodes
from schema.prefetch import ListAsked

CACHE_SIZE = 512


@dataclass(frozen=True)
class RootStep:
    key: str
    node: FieldNode
    field: GraphQLField
    root: Root
    fetch: Fetch
    complete: Completer
    asked: ListAsked  # the connection's node selection, as the prefetch reads it (read once per plan)
    projected: bool = False  # the nodes are completed from rows (schema/plan/projection.py)


@dataclass(frozen=True)
class Plan:
    steps: tuple[RootStep, ...]

    async def run(self, ctx: Context, variables: VariableValues) -> dict[str, Any]:
        """The operation's ``data``; raises Fallback wherever graphql-core would answer otherwise."""
        data: dict[str, Any] = {}
        for step in self.steps:
            try:
                args = get_argument_values(step.field, step.node, variables)
                value = await step.fetch(ctx, args, step.asked)
            except Exception:
                raise Fallback from None
            data[step.key] = step.complete(value)
        return data


AnyPlan = Plan | CommandPlan
_plans: OrderedDict[tuple[int, int], tuple[GraphQLSchema, OperationDefinitionNode, AnyPlan | None]] = OrderedDict()


def plan_for(schema: GraphQLSchema, operation: OperationDefinitionNode) -> AnyPlan | None:
    key = (id(schema), id(operation))
    cached = _plans.get(key)
    if cached is not None and cached[0] is schema and cached[1] is operation:
        _plans.move_to_end(key)
        return cached[2]
    plan = make_plan(schema, operation)
    _plans[key] = (schema, operation, plan)
    if len(_plans) > CACHE_SIZE:
        _plans.popitem(last=False)
    return plan


def make_plan(schema: GraphQLSchema, operation: OperationDefinitionNode) -> AnyPlan | None:
    if operation.operation == OperationType.MUTATION:
        return make_command_plan(schema, operation)
    if operation.operation != OperationType.QUERY or operation.directives or schema.query_type is None:
        return None
    fields = plain_fields(operation.selection_set)
    if not fields:
        return None
    steps: list[RootStep] = []
    for node in fields:
        root = ROOTS.get(node.name.value)
        field = schema.query_type.fields.get(node.name.value)
        if root is None or field is None or any(a.name.value not in root.arguments for a in node.arguments or ()):
            return None
        projected = _projected(root, field, node)
        fetch, complete = projected or (root.fetch, compile_output(field.type, node))
        if complete is None:
            return None
        try:
            asked = connection_nodes(node)
        except Exception:  # (read per request before: graphql-core answered then too)
            return None
        key = node.alias.value if node.alias else node.name.value
        steps.append(RootStep(key, node, field, root, fetch, complete, asked, projected is not None))
    return Plan(tuple(steps))


def _projected(root: Root, field: GraphQLField, node: FieldNode) -> tuple[Fetch, Completer] | None:
    """The root's row fetch and the completer projecting its rows, when every node selection projects."""
    if root.rows is None:
        return None
    rows, shape = root.rows, Shape(root.rows.table)
    hook = RootProjection(rows.type_name, shape)
    complete = compile_output(field.type, node, hook)
    if complete is None or not hook.complete:
        return None

    async def fetch(ctx: Context, args: dict[str, Any], asked: ListAsked) -> Any:
        return await rows.fetch(ctx, args, asked, shape)

    return fetch, complete
