"""The compiled path of a command: a mutation whose one root field is listed in ``COMMANDS``.

Its arguments are coerced by graphql-core (``get_argument_values``) and converted by strawberry's own
``convert_arguments``, as the resolver gets them; the command runs through the same function its resolver
calls (``schema.workflows.act_payload``); the payload is completed by closures compiled once per document
(schema/plan/compile.py). Only a payload selection that compiles is covered (for ``act``: what the stored
row answers, e.g. ``act { request { id state version } errors { code message } }``); anything else is
graphql-core's from the start.

A command must run once whatever happens. Until it has run, any doubt (an argument graphql-core or
strawberry would refuse) raises ``Fallback`` and graphql-core executes the operation. Once it has run, its
outcome, the payload or the exception it raised, is kept on the context under the response key
(schema/plan/settled.py) before ``Fallback`` is raised, and the resolver answers from it: graphql-core then
reports exactly what it would have, and the command does not run again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution import get_argument_values
from graphql.execution.values import VariableValues
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import Schema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import Selection

from schema.context import Context
from schema.plan.compile import Completer, Fallback, compile_output, plain_fields
from schema.plan.roots import selections
from schema.plan.settled import Outcome, keep
from schema.workflows import act_payload

Run = Callable[[Context, dict[str, Any], list[Selection], NameConverter], Awaitable[Any]]


@dataclass(frozen=True)
class Command:
    arguments: frozenset[str]  # GraphQL argument names the run takes
    run: Run  # (context, the resolver's keyword arguments, the payload selection, the name converter)


async def _act(ctx: Context, kwargs: dict[str, Any], asked: list[Selection], converter: NameConverter) -> Any:
    return await act_payload(ctx, kwargs["input"], asked, converter)


COMMANDS: dict[str, Command] = {"act": Command(frozenset({"input"}), _act)}


@dataclass(frozen=True)
class CommandPlan:
    key: str
    node: FieldNode
    field: GraphQLField
    definition: StrawberryField
    owner: Schema
    command: Command
    asked: list[Selection]
    complete: Completer

    async def run(self, ctx: Context, variables: VariableValues) -> dict[str, Any]:
        """The operation's ``data``; raises Fallback wherever graphql-core would answer otherwise."""
        try:
            kwargs = convert_arguments(
                get_argument_values(self.field, self.node, variables),
                self.definition.arguments,
                scalar_registry=self.owner.schema_converter.scalar_registry,
                config=self.owner.config,
            )
        except Exception:
            raise Fallback from None  # nothing has run
        try:
            value = await self.command.run(ctx, kwargs, self.asked, self.owner.config.name_converter)
        except Exception as error:
            keep(ctx, self.key, Outcome(error=error))
            raise Fallback from None
        try:
            return {self.key: self.complete(value)}
        except Fallback:
            keep(ctx, self.key, Outcome(value=value))
            raise


def make_command_plan(schema: GraphQLSchema, operation: OperationDefinitionNode) -> CommandPlan | None:
    mutation = schema.mutation_type
    if operation.operation != OperationType.MUTATION or operation.directives or mutation is None:
        return None
    owner = (schema.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    fields = plain_fields(operation.selection_set)
    if not isinstance(owner, Schema) or fields is None or len(fields) != 1:
        return None
    [node] = fields
    command, field = COMMANDS.get(node.name.value), mutation.fields.get(node.name.value)
    if command is None or field is None or any(a.name.value not in command.arguments for a in node.arguments or ()):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or definition.permission_classes:
        return None
    complete = compile_output(field.type, node)
    if complete is None or node.selection_set is None:
        return None
    asked = selections([s for s in node.selection_set.selections if isinstance(s, FieldNode)])
    key = node.alias.value if node.alias else node.name.value
    return CommandPlan(key, node, field, definition, owner, command, asked, complete)
