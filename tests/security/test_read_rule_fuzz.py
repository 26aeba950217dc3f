"""Generated queries, random personas: no file field of a person outside the read rule ever comes back.

hypothesis-graphql draws queries on the root fields that reach people, from a copy of the schema whose
root fields take no arguments (so the draws spend their effort on nested selections and their ``asOf``
days); each document is then given root arguments that hit the data (a position with former and future
holders, the requests of the set-up, a page of people), and every selection on ``Employee`` also asks
``nip`` and ``access`` (aliased), which names the person and says what the server believes it gave. The answer must agree with the rule computed in the test, and a
card must carry no file value (every file field null, absent or empty). ASNFLOW_READ_FUZZ_EXAMPLES sets
the number of documents (default 60: CI has one budget for everything).
"""

from __future__ import annotations

import os
import re
from typing import Any

import graphql
from graphql import FieldNode, GraphQLObjectType, NameNode, TypeInfo, TypeInfoVisitor, Visitor, get_named_type, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from schema.schema import schema
from tests.api.helpers import DemoApi
from tests.schema.test_fuzz import SCALARS
from tests.security.readrule_walk import Expected, employees_in
from tests.security.test_read_rule_walk import PERSONAS, _world

EXAMPLES = int(os.environ.get("ASNFLOW_READ_FUZZ_EXAMPLES", "60"))
ROOTS = {
    "viewer": [""],
    "position": ['(code: "{code}")'],
    "positions": [
        '(first: 6, filter: {{unitCode: "KEL-GAMBIR-01"}})',
        '(first: 6, filter: {{unitCode: "KEL-GAMBIR-02"}})',
    ],
    "employee": ['(nip: "{nip}")'],
    "employees": ["(first: 6)"],
    "request": ['(id: "{id}")'],
    "requests": ["(first: 6)"],
    "myTasks": ["(first: 6)"],
}
_QUERY = re.compile(r"type Query \{.*?\n\}", re.S)
ROOT_TYPES = {name: re.search(rf"\n  {name}(\([^\n]*\))?: ([^\n]+)", schema.as_str()) for name in ROOTS}
SDL = _QUERY.sub(
    "type Query {\n" + "".join(f"  {n}: {m.group(2)}\n" for n, m in ROOT_TYPES.items() if m) + "}", schema.as_str()
)
CARD_FIELDS = {"nip", "name", "rank", "access", "position", "unit", "__typename"}
NIP, ACCESS = "zzNip", "zzAccess"


class _Identify(Visitor):
    """Adds ``zzNip: nip`` and ``zzAccess: access`` to every selection set on Employee; notes file keys."""

    def __init__(self, info: TypeInfo, pick: int) -> None:
        super().__init__()
        self.info = info
        self.pick = pick
        self.file_keys: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> FieldNode | None:
        if self.info.get_parent_type() is not schema._schema.query_type or node.name.value not in ROOTS:
            return None
        choices = ROOTS[node.name.value]
        args = choices[self.pick % len(choices)].format(
            code=world["code"][self.pick % len(world["code"])],
            nip=world["nip"][self.pick % len(world["nip"])],
            id=world["id"][self.pick % len(world["id"])],
        )
        root = graphql.parse(f"{{ {node.name.value}{args} {{ __typename }} }}").definitions[0]
        field = root.selection_set.selections[0]  # type: ignore[attr-defined]
        return FieldNode(
            alias=node.alias, name=node.name, arguments=field.arguments, directives=node.directives,
            selection_set=node.selection_set,
        )  # fmt: skip

    def enter_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> graphql.SelectionSetNode | None:
        owner = self.info.get_type()
        if owner is None or get_named_type(owner).name != "Employee":
            return None
        extra = tuple(
            FieldNode(alias=NameNode(value=a), name=NameNode(value=f)) for a, f in ((NIP, "nip"), (ACCESS, "access"))
        )
        for sel in node.selections:
            if isinstance(sel, FieldNode) and sel.name.value not in CARD_FIELDS:
                self.file_keys.add((sel.alias or sel.name).value)
        return graphql.SelectionSetNode(selections=(*node.selections, *extra))


def _identified(document: graphql.DocumentNode, pick: int) -> tuple[str, set[str]]:
    info = TypeInfo(schema._schema)
    marker = _Identify(info, pick)
    return graphql.print_ast(visit(document, TypeInfoVisitor(info, marker))), marker.file_keys


def _empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, list) and all(_empty(v) for v in value))


world: dict[str, Any] = {}
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
assert isinstance(schema._schema.get_type("Employee"), GraphQLObjectType)


@FUZZ
@given(
    document=from_schema(SDL, fields=list(ROOTS), custom_scalars=SCALARS, print_ast=lambda d: d),
    persona=st.sampled_from(PERSONAS),
    pick=st.integers(0, 11),
)
async def test_no_generated_query_returns_a_file_the_rule_does_not_allow(
    demo: DemoApi, document: graphql.DocumentNode, persona: str | None, pick: int
) -> None:
    if world.get("db") is not demo.db:
        world.clear()
        world.update(await _world(demo), db=demo.db, rule=await Expected().load(demo.db, demo.today))
    rule: Expected = world["rule"]
    text, file_keys = _identified(document, pick)
    response = await demo.post(text, as_user=demo.uid(persona) if persona else None)
    assert response.status_code in (200, 400), response.text[:500]
    body = response.json()
    viewer = rule.who(demo.uid(persona) if persona else None)
    for person in employees_in(body.get("data"), ACCESS):
        allowed = rule.file(viewer, rule.id_of[person[NIP]])
        assert person[ACCESS] == ("FILE" if allowed else "CARD"), (persona, person[NIP], text)
        if not allowed:
            leaked = {k: v for k, v in person.items() if k in file_keys and not _empty(v)}
            assert not leaked, (persona, person[NIP], leaked, text)
    if persona is None:
        assert employees_in(body.get("data"), ACCESS) == [], text
