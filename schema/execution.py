"""The GraphQL execution context: plain leaf fields are read without graphql-core's per-field machinery.

A 50-row ``myTasks`` page executes some 800 fields, about 550 of them leaves that are plain attributes
(``id``, ``state``, ``nip``, ``name``, ...). graphql-core resolves each through ``execute_field``: a
``Path``, a ``GraphQLResolveInfo`` of 15 fields, strawberry's default-resolver wrapper, two awaitable
checks, ``complete_value`` twice (non-null, then leaf). For a field strawberry calls *basic* (no
resolver, no field extension, no permission class, no exception handler) and without arguments,
returning a scalar or an enum, all of that computes ``coerce(getattr(source, python_name))``. This
context does exactly that, and hands every other case, and every leaf whose value is missing or fails
to coerce, to graphql-core unchanged, so errors (non-null violations, unrepresentable values) read as
they always did. It stands aside when a schema extension wraps resolvers (strawberry's ``resolve``
hook, passed to graphql-core as middleware).

``streamline_resolvers`` does the same for the other common case, a resolver that is a plain method of
the type (``def request(self) -> WorkflowRequest``: no arguments, no ``info``, not async, no field
extension or permission): graphql-core calls the method itself instead of strawberry's wrapper, which
builds an ``Info``, converts arguments and chains extensions for each of the ~250 such fields of a page. Measured with bench/profile_requests.py: see docs/decisions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, GraphQLResolveInfo, Undefined, is_leaf_type
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# (read the attribute, coerce the value, may it be null), kept on the field definition it describes
LeafPlan = tuple[Callable[[Any], Any], Callable[[Any], Any], bool]
_PLAN = "_asnflow_leaf_plan"
_UNPLANNED = object()


def leaf_plan(field_def: GraphQLField) -> LeafPlan | None:
    """How to read ``field_def`` directly, or None when graphql-core must resolve it."""
    plan = getattr(field_def, _PLAN, _UNPLANNED)
    if plan is _UNPLANNED:
        plan = _make_plan(field_def)
        setattr(field_def, _PLAN, plan)
    return plan  # type: ignore[return-value]


def _make_plan(field_def: GraphQLField) -> LeafPlan | None:
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or field_def.args:
        return None
    if not getattr(field_def.resolve, "_is_default", False):  # strawberry's marker of a basic field
        return None
    nullable = not isinstance(field_def.type, GraphQLNonNull)
    leaf = field_def.type if nullable else field_def.type.of_type  # type: ignore[union-attr]
    if not is_leaf_type(leaf):
        return None
    default_resolver, name = definition.default_resolver, definition.python_name

    def read(source: Any) -> Any:
        return default_resolver(source, name)

    coerce: Callable[[Any], Any] = leaf.coerce_output_value
    return read, coerce, nullable


class AsnflowExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        if self.middleware_manager is None or not self.middleware_manager.middlewares:
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            plan = leaf_plan(field_def) if field_def is not None else None
            if plan is not None:
                read, coerce, nullable = plan
                try:
                    value = read(source)
                    if value is None:
                        if nullable:
                            return None
                    else:
                        coerced = coerce(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


def streamline_resolvers(schema: strawberry.Schema) -> int:
    """Let graphql-core call plain method resolvers directly; returns how many fields it changed."""
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field_def in graphql_type.fields.values():
            method = _plain_method(field_def)
            if method is not None:
                field_def.resolve = _calling(method)
                changed += 1
    return changed


def _plain_method(field_def: GraphQLField) -> Callable[[Any], Any] | None:
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or field_def.args:
        return None
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.arguments or resolver.self_parameter is None:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    func = resolver.wrapped_func
    return func if callable(func) and not isinstance(func, (staticmethod, classmethod)) else None


def _calling(method: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return method(source)

    return resolve
