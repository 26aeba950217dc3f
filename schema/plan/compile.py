"""Compile a validated selection into closures that complete a result as graphql-core would.

A *completer* turns a resolved value into its JSON-ready form. It is built once per query document
from the schema's public graphql-core types and the strawberry field definitions they carry (the
``DEFINITION_BACKREF`` extension), and is only built for what it can complete exactly:

* fields selected plainly: no fragments, no directives, no repeated response key, no arguments
  (a field whose arguments all keep their defaults is called with the Python defaults, which are the
  schema's defaults in strawberry);
* fields strawberry resolves without ``info``: an attribute, or a synchronous method of the type
  taking only ``self``, with no field extension or permission class;
* object, list, non-null and leaf types (no interface or union).

Anything else makes ``compile_selection`` return None, and the whole operation goes to graphql-core.
At run time a completer raises ``Fallback`` wherever graphql-core would report an error (a null in a
non-null field, a value a scalar refuses, a resolver that raises, an object of the wrong type): the
operation is then executed again by graphql-core, which answers with its own errors and nulls.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
    specified_scalar_types,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import get_strawberry_type_cast
from strawberry.types.field import StrawberryField

Completer = Callable[[Any], Any]
# Asked for each object type on the way down: a completer of its own for that type's values (the row
# projection of a page's nodes, schema/plan/projection.py), or None to compile the type as usual.
ObjectHook = Callable[[GraphQLObjectType, SelectionSetNode | None], Completer | None]


class Fallback(Exception):
    """The compiled path cannot answer exactly; graphql-core must execute the operation."""


def plain_fields(selection_set: SelectionSetNode | None) -> list[FieldNode] | None:
    """The selected fields when every selection is a plain field with a distinct response key, else None."""
    if selection_set is None:
        return None
    fields: list[FieldNode] = []
    keys: set[str] = set()
    for node in selection_set.selections:
        if not isinstance(node, FieldNode) or node.directives:
            return None
        key = node.alias.value if node.alias else node.name.value
        if key in keys:
            return None
        keys.add(key)
        fields.append(node)
    return fields


def compile_output(type_: GraphQLOutputType, node: FieldNode, hook: ObjectHook | None = None) -> Completer | None:
    """A completer for a value of ``type_`` selected by ``node``, or None when not covered."""
    if isinstance(type_, GraphQLNonNull):
        if is_leaf_type(type_.of_type):  # the commonest field: one closure, not three
            return None if node.selection_set is not None else _leaf(type_.of_type, nullable=False)
        inner = compile_output(type_.of_type, node, hook)
        return None if inner is None else _non_null(inner)
    if is_leaf_type(type_):
        return None if node.selection_set is not None else _leaf(type_, nullable=True)
    return _nullable(_compile_nullable(type_, node, hook))


def _compile_nullable(type_: GraphQLOutputType, node: FieldNode, hook: ObjectHook | None) -> Completer | None:
    if isinstance(type_, GraphQLList):
        item = compile_output(type_.of_type, node, hook)
        return None if item is None else _list(item)
    if isinstance(type_, GraphQLObjectType):
        own = hook(type_, node.selection_set) if hook is not None else None
        return own if own is not None else compile_object(type_, node.selection_set, hook)
    return None


def compile_object(
    type_: GraphQLObjectType, selection_set: SelectionSetNode | None, hook: ObjectHook | None = None
) -> Completer | None:
    fields = plain_fields(selection_set)
    if fields is None:
        return None
    steps: list[tuple[str, Callable[[Any], Any], Completer]] = []
    for node in fields:
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            steps.append((key, _constant(type_.name), _identity))
            continue
        field_def = type_.fields.get(node.name.value)
        read = field_reader(field_def, node) if field_def is not None else None
        complete = compile_output(field_def.type, node, hook) if field_def is not None else None
        if read is None or complete is None:
            return None
        steps.append((key, read, complete))
    return _object(type_, steps)


def field_reader(field_def: GraphQLField, node: FieldNode) -> Callable[[Any], Any] | None:
    """How strawberry resolves this field, when it needs no ``info`` and no argument."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions or definition.permission_classes:
        return None
    if node.arguments:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        default_resolver, name = definition.default_resolver, definition.python_name
        if default_resolver is getattr:
            return attrgetter(name)
        return lambda source: default_resolver(source, name)
    if resolver.is_async or resolver.self_parameter is None:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    func = resolver.wrapped_func
    if not callable(func) or isinstance(func, (staticmethod, classmethod)):
        return None
    return func


def _constant(value: str) -> Callable[[Any], Any]:
    return lambda _source: value


def _identity(value: Any) -> Any:
    return value


def _non_null(inner: Completer) -> Completer:
    def complete(value: Any) -> Any:
        out = inner(value)
        if out is None:
            raise Fallback
        return out

    return complete


def _nullable(inner: Completer | None) -> Completer | None:
    if inner is None:
        return None

    def complete(value: Any) -> Any:
        return None if value is None else inner(value)

    return complete


def _list(item: Completer) -> Completer:
    def complete(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise Fallback
        return [item(v) for v in value]

    return complete


# Values a scalar's ``serialize`` returns unchanged (graphql-core's String, Boolean and ID serializers for
# these exact types; Int's for an int within 32 bits): completed without the call.
_SAME = {"String": (str,), "Boolean": (bool,), "ID": (str,), "Int": (int,)}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _leaf(type_: Any, *, nullable: bool) -> Completer:
    coerce, name = type_.coerce_output_value, str(type_.name)
    same = _SAME.get(name, ()) if specified_scalar_types.get(name) is type_ else ()
    is_int = same == (int,)

    def complete(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Fallback
        if type(value) in same and (not is_int or INT_MIN <= value <= INT_MAX):
            return value
        if isinstance(value, Exception):
            raise Fallback
        try:
            out = coerce(value)
        except Exception:
            raise Fallback from None
        if out is None or out is Undefined:
            raise Fallback
        return out

    return complete


def _object(type_: GraphQLObjectType, steps: list[tuple[str, Callable[[Any], Any], Completer]]) -> Completer:
    is_type_of = type_.is_type_of
    # strawberry's predicate answers from the object's class alone unless the object carries a cast
    # (``strawberry.cast`` sets an attribute on it): a class it accepted is accepted again without the call
    # (only strawberry's own predicate: a type declaring its own ``is_type_of`` is asked every time)
    definition = (type_.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    by_class = definition is not None and getattr(definition, "is_type_of", None) is None
    accepted: set[type] = set()

    def complete(value: Any) -> Any:
        if isinstance(value, Exception):
            raise Fallback
        if is_type_of is not None and (type(value) not in accepted or get_strawberry_type_cast(value) is not None):
            try:
                ok = is_type_of(value, None)  # type: ignore[arg-type]  # strawberry's predicate ignores info
            except Exception:
                raise Fallback from None
            if ok is not True:
                raise Fallback
            if by_class and get_strawberry_type_cast(value) is None:
                accepted.add(type(value))
        out: dict[str, Any] = {}
        for key, read, complete_field in steps:
            try:
                resolved = read(value)
            except Exception:
                raise Fallback from None
            out[key] = complete_field(resolved)
        return out

    return complete
