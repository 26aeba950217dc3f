"""The schema walk and the rule's own definition, written independently of policies/read.py.

``employee_paths`` introspects the GraphQL schema for every field path from a root field to an
``Employee`` (a step repeats only from a holder to the position that led there and back,
``position.holders.position.holders``; at most ``MAX_DEPTH`` fields). ``Expected`` loads the few tables the rule speaks of and answers, from the rule
as issue 9 states it, whose file and which requests each viewer may read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, get_named_type
from sqlalchemy import select

from server.db import Database
from server.models import Assignment, Employee, Position, RoleGrant, Task, Unit, User, WorkflowRequest

MAX_DEPTH = 8
# Steps a path may take twice: from a holder (a card, perhaps) to the position that led there and its holders.
TWICE = frozenset({"Position.holders", "Employee.position"})
# The policy's "employee, read" and "request, read" lines (policies/policy.csv), copied here on purpose:
# the expected answers must not come from the code under test.
FILE_READERS = frozenset(
    {"unit_head", "unit_hr", "bkd_verifier", "bkd_official", "board_member", "pyb", "ppk", "auditor", "admin"}
)
REQUEST_READERS = FILE_READERS
# What a walk asks of every person it reaches: lists and nullable fields only, so a card's refusals
# null nothing and every person reached shows up in the answer.
SAFE_LEAVES = "nip access rankSince assignments { startDate } evaluations { year } rankHistory { tmt }"
# The non-null file fields, which a card refuses with a FORBIDDEN error.
STRICT_LEAVES = "nip access birthDate gender employmentType education status trainingHours(year: 2025)"


def employee_paths(gql: GraphQLSchema) -> list[tuple[str, ...]]:
    """Every path from a root query field to a field whose type is Employee, as ``Type.field`` steps."""
    found: list[tuple[str, ...]] = []

    def walk(obj: GraphQLObjectType, path: tuple[str, ...]) -> None:
        for name, definition in obj.fields.items():
            target = get_named_type(definition.type)
            step = f"{obj.name}.{name}"
            if not isinstance(target, GraphQLObjectType) or path.count(step) >= (2 if step in TWICE else 1):
                continue
            here = (*path, step)
            if target.name == "Employee":
                found.append(here)
            if len(here) < MAX_DEPTH:
                walk(target, here)

    assert gql.query_type is not None
    walk(gql.query_type, ())
    return found


def dated_fields(gql: GraphQLSchema) -> dict[str, str]:
    """``Type.field`` -> ``(asOf: $on)`` for every field that takes a day."""
    return {
        f"{t.name}.{name}": "(asOf: $on)"
        for t in gql.type_map.values()
        if isinstance(t, GraphQLObjectType)
        for name, definition in t.fields.items()
        if "asOf" in definition.args
    }


@dataclass
class Tree:
    children: dict[str, Tree] = field(default_factory=dict)
    employee: bool = False

    def add(self, path: tuple[str, ...]) -> None:
        node = self
        for name in path:
            node = node.children.setdefault(name, Tree())
        node.employee = True

    def render(self, args: dict[str, str], leaves: str) -> str:
        parts = [leaves] if self.employee else []
        for step, sub in self.children.items():
            name = step.split(".")[1]
            parts.append(f"{name}{args.get(step, '')} {{ {sub.render(args, leaves)} }}")
        return " ".join(parts) or "__typename"


def employees_in(data: Any, key: str = "access") -> list[dict[str, Any]]:
    """Every Employee object of an answer (the only type with an ``access`` field, answered under ``key``)."""
    out: list[dict[str, Any]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if key in item:
                out.append(item)
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return out


@dataclass(frozen=True)
class Who:
    user_id: str | None
    employee_id: int | None
    nip: str | None
    grants: tuple[tuple[str, str | None], ...]  # (role, unit path or None for province-wide)


def _under(path: str | None, grant: str | None) -> bool:
    return grant is None or (path is not None and path.startswith(grant))


class Expected:
    """The rule's answers for the data as it is when ``load`` runs."""

    async def load(self, db: Database, today: dt.date) -> Expected:
        async with db.read() as s:
            self.unit_path = dict((await s.execute(select(Unit.id, Unit.path))).all())
            self.nip_of = dict((await s.execute(select(Employee.id, Employee.nip))).all())
            self.id_of = {n: i for i, n in self.nip_of.items()}
            self.user_employee = dict((await s.execute(select(User.id, User.employee_id))).all())
            position_unit = dict((await s.execute(select(Position.id, Position.unit_id))).all())
            self.units_today: dict[int, set[str]] = defaultdict(set)
            for a in (await s.execute(select(Assignment).where(Assignment.kind == "definitive"))).scalars():
                if a.start_date <= today and (a.end_date is None or a.end_date >= today):
                    self.units_today[a.employee_id].add(self.unit_path[position_unit[a.position_id]])
            self.grants: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
            for g in (await s.execute(select(RoleGrant).where(RoleGrant.revoked_at.is_(None)))).scalars():
                if (g.valid_from is None or g.valid_from <= today) and (g.valid_to is None or g.valid_to >= today):
                    self.grants[g.user_id].append((g.role, self.unit_path[g.unit_id] if g.unit_id else None))
            self.requests = list((await s.execute(select(WorkflowRequest))).scalars())
            self.tasks = list((await s.execute(select(Task))).scalars())
        return self

    def who(self, user_id: str | None) -> Who:
        if user_id is None:
            return Who(None, None, None, ())
        employee_id = self.user_employee.get(user_id) or self.id_of.get(user_id)
        return Who(
            user_id, employee_id, self.nip_of.get(employee_id) if employee_id else None, tuple(self.grants[user_id])
        )

    def _ids(self, v: Who) -> set[str]:
        return {i for i in (v.user_id, v.nip) if i}

    def _may_act(self, v: Who, t: Task) -> bool:
        if t.assignee_user_id is not None:
            return t.assignee_user_id in self._ids(v)
        path = self.unit_path.get(t.unit_id) if t.unit_id else None
        return any(role == t.role and _under(path, unit) for role, unit in v.grants)

    def file(self, v: Who, employee_id: int) -> bool:
        """Issue 9: the person, a reader whose scope covers their unit today, an approver with an open task."""
        if v.user_id is None:
            return False
        if employee_id == v.employee_id:
            return True
        for role, unit in v.grants:
            if role in FILE_READERS and (unit is None or any(_under(p, unit) for p in self.units_today[employee_id])):
                return True
        subjects = {r.id: r.subject_employee_id for r in self.requests}
        return any(
            t.closed_at is None and subjects[t.request_id] == employee_id and self._may_act(v, t) for t in self.tasks
        )

    def request(self, v: Who, r: WorkflowRequest) -> bool:
        """Issue 9: subject, a reader over its unit or origin unit, the proposer, whoever is or was on a task."""
        if v.user_id is None:
            return False
        if r.subject_employee_id == v.employee_id:
            return True
        origin = r.origin_unit_id
        paths = [self.unit_path.get(r.unit_id) if r.unit_id else None, self.unit_path.get(origin) if origin else None]
        if any(role in REQUEST_READERS and any(p is not None and _under(p, u) for p in paths) for role, u in v.grants):
            return True
        if any(role in REQUEST_READERS and u is None for role, u in v.grants):
            return True
        if r.proposed_by in self._ids(v):
            return True
        mine = [t for t in self.tasks if t.request_id == r.id]
        return any(t.assignee_user_id in self._ids(v) or (t.closed_at is None and self._may_act(v, t)) for t in mine)
