"""The query cost limit: how many fields an operation would resolve, computed before it runs.

The depth, alias and token limits bound the *text* of a query, not its work: 30 aliases of
``positions(first: 100)`` with holders nested under each are a short, shallow query that used to
run 20 s, answer 27 MB and hold every pooled connection. The cost is the number of field
resolutions the operation asks for, an upper bound computed from the document alone:

* every selected field costs 1 for each time it is resolved, so each alias counts on its own and
  fragments (named or inline) count where they are spread;
* a connection's ``edges`` are resolved ``first`` times (``first`` from the literal or the variable,
  else the server's default page size; a ``first`` over the maximum page size is counted at that
  maximum, the resolver refuses it anyway);
* any other list (``holders``, ``assignments``, ``openTasks``, ...) is counted as ``LIST_ESTIMATE``
  items, a generous size for the short lists of one person, post or request;
* a bulk mutation's lists (``actMany``'s ``results``) are resolved once per item it is given
  (``input.items``; ``proposeRankPromotions``: ``input.first``, else 200), so 200 acts each selecting
  the request's tasks and history cost what 200 single acts would;
* introspection (``__schema``, ``__type``) costs 1: its size is the schema's, not the data's.

The limit is checked in ``on_execute``, after validation and before graphql-core runs a resolver,
so a refused operation runs no SQL at all. The walk gives up (and refuses) once the cost passes ten
times the limit or it has visited ``MAX_VISITS`` fields, so a document whose fragments spread each
other twice over cannot make the count itself the expensive part. The refusal is a GraphQL error
(HTTP 200, ``data`` null, code ``QUERY_TOO_COSTLY``) that names the cost, the limit and the setting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from schema.core_schema import graphql_schema
from schema.per_document import remembered

LIST_ESTIMATE = 10
MAX_VISITS = 100_000
SETTING = "ASNFLOW_MAX_QUERY_COST"


class CostModel:
    """The page sizes that turn ``first`` (or its absence) into a count of rows."""

    def __init__(self, *, default_page: int, max_page: int) -> None:
        self.default_page = default_page
        self.max_page = max_page

    def measure(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, Any],
        variables: Mapping[str, Any],
        stop_above: int | None = None,
    ) -> tuple[int, bool]:
        """The cost and whether it is complete: the walk stops once the cost passes ``stop_above`` or it
        has visited ``MAX_VISITS`` fields (fragments spreading fragments twice over grow exponentially)."""
        root = schema.get_root_type(operation.operation)
        if root is None:
            return 0, True
        walk = _Walk(schema, fragments, variables, self, stop_above)
        try:
            walk.add(operation.selection_set, root, times=1, page=None)
        except _Stop:
            return walk.total, False
        return walk.total, True

    def page_size(self, first: object) -> int:
        if not isinstance(first, int) or isinstance(first, bool) or first < 0:
            return self.default_page
        return min(first, self.max_page)


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, Any],
        variables: Mapping[str, Any],
        model: CostModel,
        stop_above: int | None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.model = model
        self.stop_above = stop_above
        self.total = 0
        self.visits = 0

    def fields(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType
    ) -> Iterator[tuple[FieldNode, GraphQLObjectType]]:
        """The field nodes under ``selection_set`` with the type they are selected on, fragments expanded."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if not isinstance(fragment, FragmentDefinitionNode):
                    continue
                condition: NamedTypeNode | None = fragment.type_condition
                inner = fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            else:
                continue
            on = self.schema.get_type(condition.name.value) if condition is not None else parent
            yield from self.fields(inner, on if isinstance(on, GraphQLObjectType) else parent)

    def add(self, selection_set: SelectionSetNode, parent: GraphQLObjectType, *, times: int, page: int | None) -> None:
        for node, on in self.fields(selection_set, parent):
            self.total += times
            self.visits += 1
            if self.visits > MAX_VISITS or (self.stop_above is not None and self.total > self.stop_above):
                raise _Stop
            name = node.name.value
            definition = on.fields.get(name)
            if definition is None or name.startswith("__") or node.selection_set is None:
                continue
            inner_times = times * self.list_size(definition, page)
            child = get_named_type(definition.type)
            if isinstance(child, GraphQLObjectType):
                inner_page = self.first(node) if "first" in definition.args else self.batch(node)
                self.add(node.selection_set, child, times=inner_times, page=inner_page)

    def list_size(self, definition: GraphQLField, page: int | None) -> int:
        kind = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        if not isinstance(kind, GraphQLList):
            return 1
        return page if page is not None else LIST_ESTIMATE

    def batch(self, node: FieldNode) -> int | None:
        """A bulk mutation's lists are as long as its batch: ``input.items`` (``actMany``) or ``input.first``
        (``proposeRankPromotions``, default ``BULK_DEFAULT``); None for a field without such an input."""
        for argument in node.arguments or ():
            if argument.name.value != "input":
                continue
            given: Any = argument.value
            if isinstance(given, VariableNode):
                given = self.variables.get(given.name.value)
            return _batch_size(given, self.variables)
        return None

    def first(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return self.model.page_size(int(value.value))
            if isinstance(value, VariableNode):
                return self.model.page_size(self.variables.get(value.name.value))
        return self.model.default_page


BULK_DEFAULT = 200


def _batch_size(given: Any, variables: Mapping[str, Any]) -> int | None:
    """The batch an ``input`` (a literal object or a variable's value) asks for, or None when it asks none."""
    if isinstance(given, ObjectValueNode):
        found = {f.name.value: f.value for f in given.fields}
        items, first = found.get("items"), found.get("first")
        if isinstance(items, VariableNode):
            items = variables.get(items.name.value)
        if isinstance(first, VariableNode):
            first = variables.get(first.name.value)
        if isinstance(items, ListValueNode):
            return len(items.values)
        if isinstance(items, list):
            return len(items)
        if isinstance(first, IntValueNode):
            return int(first.value)
        if isinstance(first, int):
            return first
        return BULK_DEFAULT if "period" in found else None
    if isinstance(given, Mapping):
        if isinstance(given.get("items"), list):
            return len(given["items"])
        if isinstance(given.get("first"), int):
            return int(given["first"])
        return BULK_DEFAULT if "period" in given else None
    return None


class QueryCostLimiter(SchemaExtension):
    """Refuses, before execution, an operation whose cost is over ``max_cost`` (0 switches the limit off)."""

    def __init__(self, *, max_cost: int, model: CostModel) -> None:
        self.max_cost = max_cost
        self.model = model

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if self.max_cost > 0 and document is not None and ctx.result is None:
            operation = _operation(document.definitions, ctx.operation_name)
            if operation is not None:
                fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
                schema, variables = graphql_schema(ctx.schema), ctx.variables or {}

                def measure() -> tuple[int, bool]:
                    return self.model.measure(schema, operation, fragments, variables, stop_above=10 * self.max_cost)

                # without variables the cost is the document's own (variables only ever feed `first` and `input`)
                if operation.variable_definitions:
                    cost, complete = measure()
                else:
                    cost, complete = remembered(
                        document, ("cost", operation.name and operation.name.value, self.model, self.max_cost), measure
                    )
                if cost > self.max_cost or not complete:
                    ctx.result = ExecutionResult(data=None, errors=[too_costly(cost, self.max_cost, complete)])
        yield


def too_costly(cost: int, limit: int, complete: bool = True) -> GraphQLError:
    amount = f"{cost:,}" if complete else f"at least {cost:,}"
    return GraphQLError(
        f"this query would resolve {amount} fields, over the limit of {limit:,} ({SETTING}); "
        "ask for fewer rows with `first`, fewer aliases or less nesting, and page with `after`",
        extensions={"code": "QUERY_TOO_COSTLY"},
    )


class _Stop(Exception):
    """The walk has seen enough to refuse the operation."""


class FragmentExpansionGuard(SchemaExtension):
    """Refuses, before validation, a document whose fragments expand to more than ``max_fields`` fields.

    Fragments that spread the next one twice over (``fragment f0 on Query { ...f1 ...f1 }``, thirty of
    them) are a short document that expands to 2^30 fields. strawberry's alias and depth limiters
    expand fragments without memory and kept the event loop busy for as long as that takes (a worker
    stuck for good). This counts each fragment once (memoised, linear in the document) and, when the
    expansion is too large, validates with one rule that says so instead of the usual rules. It must
    come before ``ValidationCache`` among the extensions. ``max_fields`` is the cost limit: every
    expanded field costs at least 1, so such a document would be refused by the cost limit anyway.
    """

    def __init__(self, *, max_fields: int) -> None:
        self.max_fields = max_fields

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if self.max_fields > 0 and document is not None:
            definitions = document.definitions
            size = remembered(document, "expanded size", lambda: expanded_size(definitions))
            if size is None or size > self.max_fields:
                ctx.validation_rules = (_refusal_rule(size, self.max_fields),)
        yield


def expanded_size(definitions: Any) -> int | None:
    """Fields of the operations with every fragment spread expanded; None if it nests past Python's stack."""
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    sizes: dict[str, int] = {}

    def size_of(selection_set: SelectionSetNode | None, within: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                total += 1 + size_of(selection.selection_set, within)
            elif isinstance(selection, InlineFragmentNode):
                total += size_of(selection.selection_set, within)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in within:  # unknown or cyclic: validation reports it
                    continue
                if name not in sizes:
                    sizes[name] = size_of(fragment.selection_set, within | {name})
                total += sizes[name]
        return total

    try:
        return sum(size_of(d.selection_set, frozenset()) for d in definitions if isinstance(d, OperationDefinitionNode))
    except RecursionError:
        return None


def _refusal_rule(size: int | None, limit: int) -> type[ValidationRule]:
    error = too_costly(size if size is not None else limit + 1, limit, complete=size is not None)

    class ExpansionRefused(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            context.report_error(error)

    return ExpansionRefused


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)
