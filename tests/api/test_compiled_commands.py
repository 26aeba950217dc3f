"""The compiled path of ``act`` (schema/plan/command.py) answers as graphql-core does, and runs a command once.

Refusals change nothing a second ask would see, so each is asked of the same request twice: once with the
compiled path on, once off (``Context.compiled_commands``), and the two bodies must be the same bytes. A step
that succeeds can be taken once only, so twins are used: two placements into the same post, proposed and
answered alike; one is verified on the compiled path, the other on graphql-core, and the bodies must be the
same bytes once the second's id reads as the first's.

Whatever the compiled path cannot finish after the command ran (a payload it cannot complete exactly, an
exception from the command) is handed to graphql-core with the command's outcome: the answer is graphql-core's
and the command has run once (one ``request.verify`` event, version 2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

import graphql
import pytest
import strawberry
from strawberry.schema.schema_converter import GraphQLCoreConverter

import schema.plan.plan as plan_module
from bench.run_all import ACT_QUERY
from schema.context import Context
from schema.core_schema import graphql_schema
from schema.plan.command import CommandPlan, _converted, flat_input
from schema.plan.compile import Fallback
from schema.plan.plan import make_plan
from schema.schema import schema
from server.ids import parse_row_id
from tests.api.helpers import TMT, DemoApi, audit_events, propose, set_predicate
from tests.api.test_act_payload import ACT_MORE, ACT_ROW, TARGET
from tests.security.readrule_helpers import outsider
from workflows import service

ALIASED = (
    "mutation Verify($input: ActInput!) { done: act(input: $input) { __typename outcome: errors { code message "
    "field rule { id } } request { __typename state v: version kind terminal ruleVersions } } }"
)
COVERED = [
    ACT_QUERY,
    ACT_ROW,
    ACT_MORE,
    ALIASED,
    'mutation { act(input: {requestId: "1", action: "x"}) { errors { code } } }',
]
NOT_COVERED = [
    "mutation($i: ActInput!, $j: ActInput!) { a: act(input: $i) { errors { code } } b: act(input: $j) { errors { code } } }",
    "mutation($i: ActInput!) { act(input: $i) { ... on RequestPayload { errors { code } } } }",  # a fragment
    "mutation($i: ActInput!) { act(input: $i) @skip(if: false) { errors { code } } }",  # a directive
    "mutation($i: ActInput!) { act(input: $i) { request { subject { trainingHours(year: 2025) } } } }",  # an argument
    '{ request(id: "1") { id } }',  # a query without a plan entry
]


def _plan(query: str) -> Any:
    [operation] = [d for d in graphql.parse(query).definitions if isinstance(d, graphql.OperationDefinitionNode)]
    return make_plan(graphql_schema(schema), operation)


def test_the_plan_runs_act_and_leaves_what_it_cannot_answer_to_graphql_core() -> None:
    assert all(isinstance(_plan(q), CommandPlan) for q in COVERED)
    assert all(_plan(q) is None for q in NOT_COVERED)


async def _post(demo: DemoApi, persona: str, query: str, variables: dict[str, Any], *, compiled: bool) -> bytes:
    try:
        Context.compiled_commands = compiled
        response = await demo.post(query, variables, as_user=demo.uid(persona))
    finally:
        Context.compiled_commands = True
    assert response.status_code == 200, response.text
    return response.content


async def _twins(demo: DemoApi) -> tuple[str, str]:
    """Two placements into the same post of two employees of one kelurahan, answered alike so far."""
    colleague = await outsider(demo.db, "KEL-GAMBIR-01", besides={demo.uid("employee")})
    for year in (2024, 2025):  # as the employee's: verify's guard asks for Baik in each of the last two years
        await set_predicate(demo.db, colleague, year, "Baik")
    ids = []
    for nip in (demo.uid("employee"), colleague):
        payload = await propose(
            demo, "unit_head", "proposePlacement", employeeNip=nip, positionCode=TARGET, effectiveDate=TMT
        )
        assert payload["errors"] == [], payload["errors"]
        ids.append(str(payload["request"]["id"]))
    return ids[0], ids[1]


def _as(body: bytes, twin: str, rid: str) -> bytes:
    """``body`` with the twin's id read as ``rid``."""
    return body.replace(b'"id":"%s"' % twin.encode(), b'"id":"%s"' % rid.encode())


@pytest.mark.parametrize("query", [ACT_QUERY, ACT_ROW, ALIASED, ACT_MORE])
async def test_a_step_taken_on_the_compiled_path_answers_the_bytes_graphql_core_answers(
    demo: DemoApi, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    run = CommandPlan.run

    async def counted(plan: CommandPlan, ctx: Context, variables: Any) -> dict[str, Any]:
        ran.append(plan.key)
        return await run(plan, ctx, variables)

    monkeypatch.setattr(CommandPlan, "run", counted)
    first, twin = await _twins(demo)
    compiled = await _post(
        demo, "bkd_verifier", query, {"input": {"requestId": first, "action": "verify"}}, compiled=True
    )
    plain = await _post(demo, "bkd_verifier", query, {"input": {"requestId": twin, "action": "verify"}}, compiled=False)
    assert len(ran) == 1  # the first on the compiled path, the twin on graphql-core
    assert b'"verified"' in compiled and b'"errors":[]' in compiled.replace(b'"outcome":[]', b'"errors":[]')
    stamps = (b"createdAt", b"updatedAt")  # the twins were proposed a moment apart
    if not any(s in compiled for s in stamps):
        assert compiled == _as(plain, twin, first)


async def test_refusals_answer_the_same_bytes_on_both_paths(demo: DemoApi) -> None:
    first, _ = await _twins(demo)
    asks: list[tuple[str, dict[str, Any]]] = [
        ("employee", {"requestId": first, "action": "verify"}),  # FORBIDDEN: not the verifier
        ("bkd_verifier", {"requestId": first, "action": "approve_all"}),  # VALIDATION: no such action
        ("bkd_verifier", {"requestId": "not-an-id", "action": "verify"}),  # VALIDATION: not a request id
        ("bkd_verifier", {"requestId": first, "action": "verify", "data": [1]}),  # VALIDATION: data not an object
        ("bkd_verifier", {"requestId": first, "action": "verify", "expectedVersion": 7}),  # CONFLICT
        ("bkd_verifier", {"requestId": "999999", "action": "verify"}),  # NOT_FOUND
        ("bkd_verifier", {"requestId": first, "action": "verify", "idempotencyKey": "x" * 10_000}),  # too long
    ]
    for persona, values in asks:
        for query in (ACT_ROW, ALIASED):
            compiled = await _post(demo, persona, query, {"input": values}, compiled=True)
            plain = await _post(demo, persona, query, {"input": values}, compiled=False)
            assert compiled == plain, (persona, values)
            assert b'"code"' in compiled
    state = await demo.ask("bkd_verifier", "query($id: ID!) { request(id: $id) { state version } }", id=first)
    assert state["request"] == {"state": "proposed", "version": 1}


async def _verify_events(demo: DemoApi, rid: str) -> int:
    events = await audit_events(demo, entityType="request", entityId=str(parse_row_id(rid)))
    return sum(e["action"] == "request.verify" for e in events)


async def test_a_payload_the_compiled_path_cannot_complete_goes_to_graphql_core_without_a_second_step(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = plan_module.make_command_plan

    def refusing(*args: Any) -> CommandPlan | None:
        plan = made(*args)

        def complete(_value: Any) -> Any:
            raise Fallback

        return None if plan is None else dataclasses.replace(plan, complete=complete)

    monkeypatch.setattr(plan_module, "make_command_plan", refusing)
    first, twin = await _twins(demo)
    query = ACT_QUERY.replace("mutation Act(", "mutation Incomplete(")  # a document of its own: planned afresh
    handed = await _post(
        demo, "bkd_verifier", query, {"input": {"requestId": first, "action": "verify"}}, compiled=True
    )
    plain = await _post(demo, "bkd_verifier", query, {"input": {"requestId": twin, "action": "verify"}}, compiled=False)
    assert handed == _as(plain, twin, first) and b'"version":2' in handed
    assert [await _verify_events(demo, r) for r in (first, twin)] == [1, 1]


async def test_a_command_that_raises_is_reported_as_graphql_core_reports_it_and_runs_once(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    async def failing(*_args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["request_id"])
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "act", failing)
    first, _ = await _twins(demo)
    variables = {"input": {"requestId": first, "action": "verify"}}
    compiled = await _post(demo, "bkd_verifier", ACT_QUERY, variables, compiled=True)
    plain = await _post(demo, "bkd_verifier", ACT_QUERY, variables, compiled=False)
    assert compiled == plain and b'"data":null' in compiled
    assert len(calls) == 2  # once per request


ACT_INPUTS: list[dict[str, Any]] = [
    {"requestId": "5", "action": "verify"},
    {"requestId": "5", "action": "verify", "comment": None, "expectedVersion": None, "data": None},
    {"requestId": "7", "action": "decide", "comment": "ok", "expectedVersion": 3, "idempotencyKey": "k-1"},
    {"requestId": "7", "action": "answer", "data": {"answer": "MS", "nested": [1, {"x": None}]}},
]


def test_act_input_is_converted_to_the_object_strawberry_makes_of_it() -> None:
    plan = _plan(ACT_QUERY)
    assert plan.arguments is not None and flat_input(plan.definition, plan.owner) is not None
    strawberrys = _converted(plan.definition, plan.owner)
    for values in ACT_INPUTS:
        assert plan.arguments({"input": values}) == strawberrys({"input": values})


@strawberry.enum
class _Colour(enum.Enum):
    RED = "red"


@strawberry.input
class _Flat:
    name: str
    on: dt.date | None = None


@strawberry.input
class _WithEnum:
    colour: _Colour


@strawberry.input
class _WithList:
    names: list[str]


@strawberry.input
class _Nested:
    inner: _Flat


@strawberry.type
class _Query:
    ok: bool = True


@strawberry.type
class _Mutation:
    @strawberry.mutation
    def flat(self, input: _Flat) -> bool:
        return True

    @strawberry.mutation
    def with_enum(self, input: _WithEnum) -> bool:
        return True

    @strawberry.mutation
    def with_list(self, input: _WithList) -> bool:
        return True

    @strawberry.mutation
    def nested(self, input: _Nested) -> bool:
        return True

    @strawberry.mutation
    def two(self, a: str, b: str) -> bool:
        return True


def test_only_an_input_object_of_scalars_is_converted_by_the_plan_anything_else_by_strawberry() -> None:
    owner = strawberry.Schema(query=_Query, mutation=_Mutation)
    mutation = graphql_schema(owner).mutation_type
    assert mutation is not None

    def definition(name: str) -> Any:
        return mutation.fields[name].extensions[GraphQLCoreConverter.DEFINITION_BACKREF]

    flat = flat_input(definition("flat"), owner)
    assert flat is not None
    given = {"input": {"name": "x", "on": dt.date(2027, 1, 1)}}
    assert (
        flat(given)
        == _converted(definition("flat"), owner)(given)
        == {"input": _Flat(name="x", on=dt.date(2027, 1, 1))}
    )
    assert [flat_input(definition(n), owner) for n in ("withEnum", "withList", "nested", "two")] == [None] * 4
