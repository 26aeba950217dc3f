"""The compiled read path answers byte for byte as graphql-core does, for every persona (issue 13 item 4).

Each query is asked twice through the HTTP app as the same persona on the demo seed (with requests in
every stage, so inboxes are not empty): once with the compiled path on, once with it off
(``Context.compiled_reads``), and the two response bodies must be the same bytes, errors and nulls
included. Hand-written pages check that the plan really covers the benchmarked queries; hypothesis-graphql
draws further selections on the planned root fields. A root field without a plan entry runs on
graphql-core unchanged. ASNFLOW_COMPILED_FUZZ_EXAMPLES sets the number of drawn documents (default 40;
about a third of the draws are planned, the rest carry a nested argument and go to graphql-core).
"""

from __future__ import annotations

import os
import re
from typing import Any

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench.run_all import MY_TASKS_QUERY, POSITIONS_QUERY
from schema.context import Context
from schema.core_schema import graphql_schema
from schema.plan.plan import make_plan
from schema.plan.roots import ROOTS
from schema.schema import schema
from server.paging import encode_cursor
from server.statements_seen import watching
from tests.api.helpers import DemoApi
from tests.schema.test_fuzz import SCALARS
from tests.security.test_read_rule_walk import PERSONAS, _world

EXAMPLES = int(os.environ.get("ASNFLOW_COMPILED_FUZZ_EXAMPLES", "40"))
HOLDER_FILE = "holders { nip name access birthDate gender rank { code name rankCode } }"
COVERED = [
    POSITIONS_QUERY,
    MY_TASKS_QUERY,
    "{ positions(first: 20) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } "
    "edges { cursor node { __typename code title type quota jobClass minRank maxRank positionType vacancies "
    "unit { code name kind parent { code } } holders { nip name access rank { rankCode } } } } } }",
    "query($n: Int, $a: String) { p: positions(first: $n, after: $a) { edges { node { code } } } "
    "t: myTasks(first: $n) { totalCount edges { node { id step overdue blockedReason } } } }",
    # file fields of holders, from the Gambir positions on (the personas' units): where a holder comes as a
    # card, birthDate is a FORBIDDEN error and the compiled path hands the whole page to graphql-core
    f"query($a: String) {{ positions(first: 30, after: $a) {{ edges {{ node {{ code {HOLDER_FILE} }} }} }} }}",
    "{ units { totalCount edges { node { code name kind parent { code } } } } }",
    '{ units(parentCode: "PEMPROV", first: 40) { edges { node { code parent { name } } } } }',
    "{ employees(first: 40) { totalCount edges { cursor node { nip name access birthDate gender status "
    "rank { code } unit { code } position { code unit { name } } } } } }",
]
GAMBIR = encode_cursor("KEL-GAMBIR")
NOT_COVERED = [
    "{ positions(first: 5, filter: {vacantOnly: true}) { edges { node { code } } } }",  # a filter
    '{ positions(first: 5) { edges { node { holders(asOf: "2026-01-01") { nip } } } } }',  # a nested argument
    "{ positions(first: 5) { edges { node { ... on Position { code } } } } }",  # a fragment
    "{ positions(first: 5) { edges { node { code @include(if: true) } } } }",  # a directive
    '{ unit(code: "PEMPROV") { code name } }',  # a root field without a plan entry
    "{ units { edges { node { id code } } } }",  # Node.id is resolved with info
    "{ viewer { userId } positions(first: 2) { edges { node { code } } } }",  # one root field without
]
# Answered by the row fetch itself (schema/plan/rows.py), no fallback: the Core-row levels with their nulls
# (no unit parent at the top, no job class, no due time, no reason, a placement's origin position), cards
# and files of holders and subjects (``access`` makes the read rule decide), a card's lead position and unit.
REQUEST_ROWS = (
    "request { __typename id kind state version terminal effectiveDate createdAt updatedAt proposedBy "
    "definitionVersion reason ruleVersions subject { nip name access rank { code name } } "
    "position { code title quota vacancies unit { code parent { code } } holders { nip access } } "
    "originPosition { code jobClass } }"
)
ROWS = [
    POSITIONS_QUERY,
    MY_TASKS_QUERY,
    "query($a: String) { positions(first: 40, after: $a) { totalCount pageInfo { hasNextPage endCursor } "
    "edges { cursor node { code positionType quota vacancies jobClass minEducation minRank maxRank "
    "unit { code kind parent { code name parent { code } } } "
    "holders { nip name access rank { rankCode } position { code title unit { name } } unit { code } } } } } }",
    "{ myTasks(first: 50) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges "
    f"{{ cursor node {{ id step role unitCode assignee dueAt openedAt overdue blockedReason {REQUEST_ROWS} }} }} }} }}",
]
# Answered from rows of just the selected columns (schema/plan/projection.py): every projected field, with
# its nulls (no due time, no reason, no origin position), aliases, ``__typename`` and a cursor.
PROJECTED = [
    MY_TASKS_QUERY,
    "query($t: String) { myTasks(first: 50, after: $t) { totalCount pageInfo { hasNextPage hasPreviousPage "
    "startCursor endCursor } edges { cursor node { __typename id step role assignee dueAt openedAt "
    "request { __typename id kind state version terminal effectiveDate createdAt updatedAt proposedBy "
    "definitionVersion reason subject { __typename nip name } position { code title type quota jobClass "
    "minEducation minRank maxRank unit { code name kind } } originPosition { code unit { code } } "
    "subjectPosition { code title } } } } } }",
    "{ a: myTasks(first: 3) { edges { node { x: id y: step request { z: state who: subject { n: name } } } } } "
    "b: myTasks(first: 1) { edges { node { request { position { unit { __typename } } } } } } }",
]
# Where the nested parts answer an error (a card's birthDate) or leave the row fetch (openTasks): the same bytes.
ROW_ERRORS = [
    "{ myTasks(first: 50) { edges { node { id request { id subject { nip birthDate } } } } } }",
    "{ myTasks(first: 50) { edges { node { id request { state subject { name } openTasks { id step } } } } } }",
    "query($a: String) { positions(first: 30, after: $a) { edges { node { code holders { nip "
    "position { code } trainingHours(year: 2025) } } } } }",
]
BROKEN = ["{ positions(first: 500) { edges { node { code } } } }", '{ myTasks(after: "nonsense") { totalCount } }']


def _plan(query: str) -> Any:
    document = graphql.parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    return make_plan(graphql_schema(schema), operation)


async def _both(demo: DemoApi, persona: str | None, query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The compiled answer's body, after checking graphql-core's is the same bytes."""
    user = demo.uid(persona) if persona else None
    try:
        Context.compiled_reads = True
        compiled = await demo.post(query, variables, as_user=user)
        Context.compiled_reads = False
        plain = await demo.post(query, variables, as_user=user)
    finally:
        Context.compiled_reads = True
    assert (compiled.status_code, compiled.content) == (plain.status_code, plain.content), query
    return compiled.content


async def _prepared(demo: DemoApi) -> None:
    if world.get("db") is not demo.db:
        world.clear()
        world.update(await _world(demo), db=demo.db)


world: dict[str, Any] = {}


def test_the_plan_covers_the_benchmarked_pages_and_nothing_it_cannot_answer() -> None:
    assert all(_plan(q) is not None for q in COVERED)
    assert all(_plan(q) is None for q in NOT_COVERED)
    assert "unit" not in ROOTS and "viewer" not in ROOTS  # answered by graphql-core, see below


async def test_every_persona_gets_the_same_bytes_on_both_paths(demo: DemoApi) -> None:
    await _prepared(demo)
    for persona in PERSONAS:
        for query in COVERED + NOT_COVERED:
            await _both(demo, persona, query, {"n": 3, "a": GAMBIR})
        for query in BROKEN:  # refused at the root: graphql-core's error, the same bytes
            assert b'"errors"' in await _both(demo, persona, query)
    files = await _both(demo, "admin", COVERED[-1], {"a": GAMBIR})
    assert b'"birthDate":"' in files and b'"errors"' not in files  # province-wide: the holders' files


async def test_the_row_fetch_answers_its_pages_itself_with_graphql_cores_bytes(demo: DemoApi, monkeypatch: Any) -> None:
    """No silent fallback: with graphql-core's execution forbidden, the compiled path still answers."""
    await _prepared(demo)
    assert all(_plan(q) is not None for q in ROWS)

    def forbidden(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the compiled path fell back to graphql-core")

    inboxes = b""  # every answer above, read together
    for persona in [*PERSONAS, None]:
        user = demo.uid(persona) if persona else None
        for query in ROWS:
            with monkeypatch.context() as patched:
                patched.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", forbidden)
                compiled = await demo.post(query, {"a": GAMBIR}, as_user=user)
            assert (compiled.status_code, compiled.content) == (200, await _both(demo, persona, query, {"a": GAMBIR}))
            assert b'"errors"' not in compiled.content
            inboxes += compiled.content
        for query in ROW_ERRORS:
            await _both(demo, persona, query, {"a": GAMBIR})
    for shown in (b'"originPosition":null', b'"reason":null', b'"access":"FILE"', b'"kind":"', b'"holders":[]'):
        assert shown in inboxes, shown
    errors = await _both(demo, "admin", ROW_ERRORS[-1], {"a": GAMBIR})
    assert b'"birthDate"' not in errors


async def test_the_inbox_page_reads_only_the_selected_columns_and_answers_graphql_cores_bytes(
    demo: DemoApi, monkeypatch: Any
) -> None:
    """The projected page: planned as rows, its statement reads no column the selection does not ask
    (the subject's file, the request's data), and each persona gets graphql-core's bytes without it."""
    assert all(step.projected for q in PROJECTED for step in _plan(q).steps)
    assert not any(step.projected for q in ROWS[2:] + ROW_ERRORS[:2] for step in _plan(q).steps)
    await _prepared(demo)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def forbidden(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the compiled path fell back to graphql-core")

    pages = b""
    for persona in [*PERSONAS, None]:
        user = demo.uid(persona) if persona else None
        for query in PROJECTED:
            with monkeypatch.context() as patched:
                patched.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", forbidden)
                compiled = await demo.post(query, {"t": encode_cursor(10**9)}, as_user=user)
            assert compiled.content == await _both(demo, persona, query, {"t": encode_cursor(10**9)})
            pages += compiled.content
    for shown in (b'"originPosition":null', b'"reason":null', b'"dueAt":', b'"__typename":"Unit"'):
        assert shown in pages, shown
    with watching(demo.db.engine.sync_engine, seen):
        await demo.post(MY_TASKS_QUERY, None, as_user=demo.uid("bkd_verifier"))
    [page] = [s for s in statements if "tasks" in s and "LIMIT" in s.upper()]
    for unread in ("birth_date", "rule_versions", ".data", "due_at", "version"):
        assert unread not in page, unread


async def test_a_root_field_without_a_plan_entry_runs_on_graphql_core(demo: DemoApi) -> None:
    data = await demo.ask("admin", '{ unit(code: "PEMPROV") { code } viewer { userId } }')
    assert data == {"unit": {"code": "PEMPROV"}, "viewer": {"userId": demo.uid("admin")}}


def test_every_root_field_without_a_plan_entry_is_left_to_graphql_core() -> None:
    """A root field added to the schema (talentPool, publicStatistics, ...) runs unchanged until planned."""
    query_type = graphql_schema(schema).query_type
    assert query_type is not None
    for name, field in query_type.fields.items():
        selection = " { __typename }" if not graphql.is_leaf_type(graphql.get_named_type(field.type)) else ""
        planned = _plan(f"{{ {name}{selection} }}") is not None
        assert not planned or name in ROOTS, name


_QUERY = re.compile(r"type Query \{.*?\n\}", re.S)
_ROOT_TYPES = {name: re.search(rf"\n  {name}(\([^\n]*\))?: ([^\n]+)", schema.as_str()) for name in ROOTS}
SDL = _QUERY.sub(
    "type Query {\n" + "".join(f"  {n}: {m.group(2)}\n" for n, m in _ROOT_TYPES.items() if m) + "}", schema.as_str()
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    document=from_schema(SDL, custom_scalars=SCALARS, print_ast=lambda d: d),
    persona=st.sampled_from(PERSONAS),
    first=st.sampled_from([None, 0, 1, 7]),
)
async def test_generated_selections_get_the_same_bytes_on_both_paths(
    demo: DemoApi, document: graphql.DocumentNode, persona: str | None, first: int | None
) -> None:
    await _prepared(demo)
    query = graphql.print_ast(document)
    if first is not None:  # a page size through the root arguments the plan accepts
        query = re.sub(r"\b(positions|myTasks)\s*\{", rf"\1(first: {first}) {{", query)
    await _both(demo, persona, query)
