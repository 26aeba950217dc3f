"""The compiled path of a command: a mutation whose one root field is listed in ``COMMANDS``.

Its arguments are coerced by graphql-core (``get_argument_values``) and converted as strawberry converts
them for the resolver: by strawberry's own ``convert_arguments``, or, for one input object of scalars
(``ActInput``), by a conversion built once that makes the same object (``flat_input``). The command runs
through the same function its resolver calls (``schema.workflows.act_payload``); the payload is completed by
closures compiled once per document (schema/plan/compile.py). Only a payload selection that compiles is
covered (for ``act``: what the stored row answers, e.g. ``act { request { id state version } errors { code
message } }``); anything else is graphql-core's from the start.

A command must run once whatever happens. Until it has run, any doubt (an argument graphql-core or
strawberry would refuse) raises ``Fallback`` and graphql-core executes the operation. Once it has run, its
outcome, the payload or the exception it raised, is kept on the context under the response key
(schema/plan/settled.py) before ``Fallback`` is raised, and the resolver answers from it: graphql-core then
reports exactly what it would have, and the command does not run again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import MISSING, dataclass
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLSchema, OperationDefinitionNode, OperationType
from graphql.execution import get_argument_values
from graphql.execution.values import VariableValues
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import Schema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
)
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import Selection

from schema.context import Context
from schema.plan.compile import Completer, Fallback, compile_output, plain_fields
from schema.plan.roots import selections
from schema.plan.settled import Outcome
from schema.workflows import act_payload

Run = Callable[[Context, dict[str, Any], list[Selection], NameConverter], Awaitable[Any]]
Arguments = Callable[[dict[str, Any]], dict[str, Any]]  # graphql-core's coerced arguments -> the resolver's


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
    arguments: Arguments

    async def run(self, ctx: Context, variables: VariableValues) -> dict[str, Any]:
        """The operation's ``data``; raises Fallback wherever graphql-core would answer otherwise."""
        try:
            kwargs = self.arguments(get_argument_values(self.field, self.node, variables))
        except Exception:
            raise Fallback from None  # nothing has run
        try:
            value = await self.command.run(ctx, kwargs, self.asked, self.owner.config.name_converter)
        except Exception as error:
            ctx.settled[self.key] = Outcome(error=error)
            raise Fallback from None
        try:
            return {self.key: self.complete(value)}
        except Fallback:
            ctx.settled[self.key] = Outcome(value=value)
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
    arguments = flat_input(definition, owner) or _converted(definition, owner)
    return CommandPlan(key, node, field, definition, owner, command, asked, complete, arguments)


def _converted(definition: StrawberryField, owner: Schema) -> Arguments:
    """strawberry's conversion, whatever the arguments."""
    registry, config = owner.schema_converter.scalar_registry, owner.config

    def convert(raw: dict[str, Any]) -> dict[str, Any]:
        return convert_arguments(raw, definition.arguments, scalar_registry=registry, config=config)

    return convert


def flat_input(definition: StrawberryField, owner: Schema) -> Arguments | None:
    """The conversion of one required argument whose type is an input object of scalars (``ActInput``), or None.

    It makes what strawberry's ``convert_argument`` makes of such an object: a scalar's value as graphql-core
    coerced it, a field not given left to the class's default, or None where the field has no default. It is
    built once per plan instead of inspecting the types on every call (strawberry's conversion was about 4 %
    of an act's samples). Anything else (a list, an enum, a nested input, ``Maybe``, a relay ``GlobalID``, a
    type building itself with ``from_input``) returns None: strawberry converts it.
    """
    if len(definition.arguments) != 1:
        return None
    [argument] = definition.arguments
    cls = argument.type
    shape = getattr(cls, "__strawberry_definition__", None)
    if not isinstance(cls, type) or not isinstance(shape, StrawberryObjectDefinition):
        return None
    if not shape.is_input or shape.is_one_of or shape.from_input is not None:
        return None
    registry, names = owner.schema_converter.scalar_registry, owner.config.name_converter
    fields: list[tuple[str, str]] = []
    for f in shape.fields:
        type_ = f.resolve_type(type_definition=shape)
        if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
            type_ = type_.of_type
        if not _plain_scalar(type_, registry):
            return None
        fields.append((names.from_field(f), f.python_name))
    unset = {f.python_name: None for f in shape.fields if f.default_value is MISSING and f.default_factory is MISSING}
    outer, inner = names.from_argument(argument), argument.python_name

    def convert(raw: dict[str, Any]) -> dict[str, Any]:
        if outer not in raw:
            return {}
        value = raw[outer]
        kwargs = dict(unset)
        for graphql_name, python_name in fields:
            if graphql_name in value:
                kwargs[python_name] = value[graphql_name]
        return {inner: cls(**kwargs)}

    return convert


def _plain_scalar(type_: StrawberryType | type, registry: Any) -> bool:
    if isinstance(type_, StrawberryOptional | StrawberryList | StrawberryMaybe) or type_ is GlobalID:
        return False
    return is_scalar(type_, registry)
