"""Row projection: a page's selection completed straight from the columns of its one statement.

When everything selected under a page's nodes is a column field or a to-one join listed in
``PROJECTED`` (the inbox page of the benchmark: a task, its request, the request's subject and position,
the position's unit), the plan compiles the selection once per query document into

* the columns to read, only those, each under its own label, and the joins to make (one alias per path:
  the inner joins of non-null links, outer joins below a link that may be null);
* one function, generated once, that turns a row into the JSON graphql-core would answer (a dict display
  per object, a call per leaf): no ORM entity, no Core-row dict, no strawberry object in between.

A column field converts its value as the type's ``of`` does (an id to a string ``ID``, a kind to its
enum, a timestamp to UTC) and is then completed by the object path's own leaf completer
(schema/plan/compile.py): a null in a non-null field, or a value its scalar refuses, raises ``Fallback``
there too. A field is projected only where strawberry resolves it without ``info`` or arguments (the
object path's condition); anything else (``overdue``, ``blockedReason``, ``access``, a file field, a
list) leaves the page to the object path, which covers far more. The rows are the root's scoped
statement with the entity swapped for these columns, so authorization stays in SQL as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import strawberry
from graphql import GraphQLNonNull, GraphQLObjectType, SelectionSetNode
from sqlalchemy.orm import aliased

from schema.plan.compile import Completer, Fallback, compile_output, field_reader, plain_fields
from schema.types.workflow import RequestKind, _utc
from server import models

KINDS: dict[str, RequestKind] = {m.value: m for m in RequestKind}


def _id(value: Any) -> Any:
    return strawberry.ID(str(value))


def request_kind(value: Any) -> Any:
    """``RequestKind(value)`` without the enum machinery's call (a dict read; an unknown value still raises)."""
    return KINDS[value] if value in KINDS else RequestKind(value)


@dataclass(frozen=True)
class Col:
    """A field answered by one column of its type's table (``key``), converted as the type's ``of`` does."""

    key: str
    convert: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class To:
    """A field answered by the row another table's ``id`` names in the column ``key`` (a to-one link)."""

    type_name: str
    key: str


@dataclass(frozen=True)
class Projected:
    model: Any
    fields: Mapping[str, Col | To]


# The GraphQL types a row can answer, with their column fields as their ``of`` constructors fill them
# (schema/types/workflow.py and registry.py) and their to-one links as the prefetch follows them.
PROJECTED: dict[str, Projected] = {
    "Task": Projected(
        models.Task,
        {
            "id": Col("id", _id),
            "step": Col("step"),
            "role": Col("role"),
            "assignee": Col("assignee_user_id"),
            "dueAt": Col("due_at", _utc),
            "openedAt": Col("opened_at", _utc),
            "request": To("WorkflowRequest", "request_id"),
        },
    ),
    "WorkflowRequest": Projected(
        models.WorkflowRequest,
        {
            "id": Col("id", _id),
            "kind": Col("kind", request_kind),
            "state": Col("state"),
            "version": Col("version"),
            "terminal": Col("terminal"),
            "effectiveDate": Col("effective_date"),
            "createdAt": Col("created_at", _utc),
            "updatedAt": Col("updated_at", _utc),
            "proposedBy": Col("proposed_by"),
            "definitionVersion": Col("definition_version"),
            "reason": Col("reason"),
            "subject": To("Employee", "subject_employee_id"),
            "position": To("Position", "position_id"),
            "originPosition": To("Position", "origin_position_id"),
            "subjectPosition": To("Position", "subject_position_id"),
        },
    ),
    "Employee": Projected(models.Employee, {"nip": Col("nip"), "name": Col("name")}),
    "Position": Projected(
        models.Position,
        {
            "code": Col("code"),
            "title": Col("title"),
            "type": Col("type"),
            "quota": Col("quota"),
            "jobClass": Col("job_class"),
            "minEducation": Col("min_education"),
            "minRank": Col("min_rank"),
            "maxRank": Col("max_rank"),
            "unit": To("Unit", "unit_id"),
        },
    ),
    "Unit": Projected(models.Unit, {"code": Col("code"), "name": Col("name"), "kind": Col("kind")}),
}


@dataclass(eq=False)
class Shape:
    """What one projection reads: the root entity's key first (the page's cursor), then every column
    its completers index, and the joins that bring them. Kept statements are keyed by the shape itself."""

    root: Any
    columns: list[Any] = field(default_factory=list)
    joins: list[tuple[Any, Any, Any, bool]] = field(default_factory=list)  # (from, to, on, outer)

    at: dict[tuple[int, str], int] = field(default_factory=dict)  # (table, column key) -> index, read once

    def __post_init__(self) -> None:
        self.add(self.root, "id")

    def add(self, table: Any, key: str) -> int:
        """The index of ``table``'s column ``key`` in the rows (added when not read yet)."""
        found = self.at.get((id(table), key))
        if found is None:
            found = self.at[(id(table), key)] = len(self.columns)
            self.columns.append(getattr(table, key).label(f"c{found}"))
        return found

    def select(self, base: Any) -> Any:
        """``base`` (the root's scoped statement) reading this shape's columns through its joins."""
        query = base.with_only_columns(*self.columns)
        for parent, child, on, outer in self.joins:
            query = query.outerjoin_from(parent, child, on) if outer else query.join_from(parent, child, on)
        return query


class RootProjection:
    """The hook ``compile_output`` asks for each object type: the projection of the root's node type.

    ``complete`` says whether every node selection met was projected; a plan uses the projection only
    then (else the object path compiles the whole selection again, without the hook)."""

    def __init__(self, type_name: str, shape: Shape) -> None:
        self.type_name, self.shape = type_name, shape
        self.projected = self.refused = 0

    def __call__(self, type_: GraphQLObjectType, selection_set: SelectionSetNode | None) -> Completer | None:
        if type_.name != self.type_name:
            return None
        names = _Names()
        source = _project(type_, selection_set, self.shape, self.shape.root, names, outer=False)
        if source is None:
            self.refused += 1
            return None
        self.projected += 1
        return names.function(source)

    @property
    def complete(self) -> bool:
        return self.projected > 0 and self.refused == 0


class _Names:
    """The values a projection's generated function refers to (leaf completers, conversions), by name."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"_fallback": _fallback}

    def add(self, value: Any) -> str:
        name = f"_v{len(self.values)}"
        self.values[name] = value
        return name

    def function(self, expression: str) -> Completer:
        """``lambda row: <expression>``: one dict display per object, one call per leaf (generated, as
        graphql-jit does: closures per field and a comprehension per object cost twice the time)."""
        code = compile(f"lambda row: {expression}", "<row projection>", "eval")
        return cast(Completer, eval(code, self.values))  # the source holds validated names and indices only


def _fallback() -> Any:
    raise Fallback


def _project(
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    shape: Shape,
    table: Any,
    names: _Names,
    *,
    outer: bool,
) -> str | None:
    """The expression completing a row into ``type_``'s selection (keys are GraphQL names: ``[_A-Za-z]\\w*``,
    checked by the parser, so their ``repr`` is safe to generate), or None when a field cannot be projected."""
    spec = PROJECTED.get(type_.name)
    fields = plain_fields(selection_set)
    if spec is None or fields is None:
        return None
    parts: list[str] = []
    for node in fields:
        key = node.alias.value if node.alias else node.name.value
        if node.name.value == "__typename":
            parts.append(f"{key!r}: {type_.name!r}")
            continue
        how = spec.fields.get(node.name.value)
        field_def = type_.fields.get(node.name.value)
        if how is None or field_def is None or field_reader(field_def, node) is None:
            return None
        if isinstance(how, Col):
            complete = compile_output(field_def.type, node)
            if complete is None:
                return None
            at, leaf = shape.add(table, how.key), names.add(complete)
            if how.convert is None:
                parts.append(f"{key!r}: {leaf}(row[{at}])")
            else:
                parts.append(f"{key!r}: {leaf}(None if row[{at}] is None else {names.add(how.convert)}(row[{at}]))")
            continue
        target = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
        if not isinstance(target, GraphQLObjectType) or target.name != how.type_name:
            return None
        child = aliased(PROJECTED[how.type_name].model)
        nullable = not isinstance(field_def.type, GraphQLNonNull)
        shape.joins.append((table, child, child.id == getattr(table, how.key), outer or nullable))
        present = shape.add(child, "id")  # None: an outer join that found nothing
        inner = _project(target, node.selection_set, shape, child, names, outer=outer or nullable)
        if inner is None:
            return None
        missing = "None" if nullable else "_fallback()"
        parts.append(f"{key!r}: ({missing} if row[{present}] is None else {inner})")
    return "{" + ", ".join(parts) + "}"
