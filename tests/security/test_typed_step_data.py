"""Step data has a declared type, and no text reaches the database that it would refuse.

Probing found a decree number (``data.decreeNo``) of 10 KB, or holding a NUL, accepted at
``issue_decree`` and then failing at the scheduler's tick on PostgreSQL; and over-long names, titles and
user ids that PostgreSQL refused as a VARCHAR overflow (an "unexpected error") while SQLite stored them.
Now a definition cannot declare a field without a type; ``act`` refuses data outside it, unknown keys
included, as VALIDATION naming the field, the value and the limit; and every command's text input is
checked for NUL and against its column's length before its transaction opens, on both engines alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, build_schema, get_named_type

from schema.export import sdl
from server.input_limits import FREE_TEXT_LIMIT, limit_of
from server.models import Assignment, Employee, IdempotencyRecord, Position, RankHistory, RoleGrant
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    GRANT_ROLE,
    TMT,
    DemoApi,
    act,
    audit_events,
    codes,
    drive,
    fields,
    propose,
    proposed,
    run,
    state_of,
)
from workflows import catalog
from workflows.definition import DefinitionError, parse
from workflows.effects import EFFECTS
from workflows.guards import GUARDS

TARGET = "KEL-GAMBIR-01-PLK2"
TO_APPROVED = [("bkd_verifier", "verify"), ("board_member", "recommend"), ("pyb", "decide")]
REGISTER = """mutation($input: RegisterEmployeeInput!) {
  registerEmployee(input: $input) { employee { nip } errors { code field message } } }"""
UPSERT_POSITION = """mutation($input: UpsertPositionInput!) {
  upsertPosition(input: $input) { position { code } errors { code field message } } }"""


def messages(payload: dict[str, Any]) -> list[str]:
    return [e["message"] for e in payload["errors"]]


# ------------------------------------------------------------------------------------- the definitions


def definition_with(data: Any) -> dict[str, Any]:
    """A one-step definition whose step declares ``data``."""
    return {
        "kind": "PLACEMENT",
        "version": "test/1",
        "initial": "open",
        "proposal": {"action": "submit", "actors": [{"role": "unit_head"}]},
        "states": {"open": {"owners": [{"role": "unit_head"}]}, "done": {"terminal": True}},
        "actions": [{"name": "close", "kind": "forward", "from": "open", "to": "done", "data": data}],
    }


def load(data: Any) -> None:
    parse(definition_with(data), source="test.yaml", guards=frozenset(GUARDS), effects=frozenset(EFFECTS))


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (["decreeNo"], "data must map each field to its type"),
        ({"decreeNo": None}, "data field 'decreeNo' declares no type"),
        ({"decreeNo": {"type": "text"}}, "has type 'text', which is not one of string, enum, date, integer"),
        ({"decreeNo": {"type": "string"}}, "data field 'decreeNo' is a string without a maxLength"),
        ({"decreeNo": {"type": "string", "maxLength": 0}}, "data field 'decreeNo' is a string without a maxLength"),
        ({"answer": {"type": "enum", "choices": []}}, "data field 'answer' is an enum without choices"),
        ({"hours": {"type": "integer", "min": 1}}, "data field 'hours' is an integer without a range"),
        ({"hours": {"type": "integer", "min": 9, "max": 1}}, "data field 'hours' is an integer without a range"),
        ({"on": {"type": "date", "maxLength": 10}}, "data field 'on' (date) has unknown keys ['maxLength']"),
    ],
)
def test_a_definition_with_an_untyped_or_unbounded_field_does_not_load(data: Any, says: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        load(data)
    assert str(refused.value).startswith("test.yaml: action #1 (close): ")
    assert says in str(refused.value)


def test_every_installed_decree_number_fits_the_columns_it_is_written_to() -> None:
    column = min(int(c.type.length) for c in (Assignment.decree_no, RankHistory.decree_no))
    declared = [
        spec
        for definition in catalog.all_definitions()
        for action in definition.actions
        for spec in action.data
        if spec.name == "decreeNo"
    ]
    assert declared and all(spec.type == "string" and (spec.max_length or 0) <= column for spec in declared)


def test_a_steps_inputs_are_published_with_their_type_and_limits() -> None:
    decision = catalog.current("TRANSFER_OUT").inputs("at_home_affairs", "record_home_affairs_decision")
    described = [(f.name, f.type, f.required, f.choices, f.max_length) for f in decision]
    assert described == [
        ("answer", "enum", True, ("approved", "refused"), None),
        ("decreeNo", "string", False, None, 80),  # only the approving outcome takes it
    ]


# ------------------------------------------------------------------------------------------- act's data


async def approved_placement(demo: DemoApi) -> str:
    rid = await proposed(
        demo, "unit_head", "proposePlacement", employeeNip=demo.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )
    await run(demo, rid, TO_APPROVED)
    return rid


async def test_a_ten_kilobyte_decree_number_is_refused_naming_the_field_and_the_limit(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    refused = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "SK-" + "9" * 10_240})
    assert (codes(refused), fields(refused)) == (["VALIDATION"], ["data.decreeNo"])
    assert "data.decreeNo is 10243 characters long, above the limit of 80" in messages(refused)[0]
    assert len(messages(refused)[0]) < 200, "the refusal does not echo the value back"
    assert await state_of(demo, rid) == "approved"


async def test_a_decree_number_holding_a_nul_is_refused_before_anything_is_stored(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    refused = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "SK-1\x00/2026"})
    assert (codes(refused), fields(refused)) == (["VALIDATION"], ["data.decreeNo"])
    assert "contains a NUL character (\\x00) at position 4" in messages(refused)[0]
    assert await state_of(demo, rid) == "approved"


async def test_unknown_keys_and_values_of_the_wrong_type_are_each_named(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    refused = await act(
        demo, "bkd_official", rid, "issue_decree", data={"decreeNo": 42, "approvals": {"decide": "someone"}}
    )
    assert sorted(str(f) for f in fields(refused)) == ["data.approvals", "data.decreeNo"]
    assert set(codes(refused)) == {"VALIDATION"}
    assert any("issue_decree takes no data.approvals; it takes data.decreeNo" in m for m in messages(refused))
    assert any("data.decreeNo must be text of at most 80 characters, got 42" in m for m in messages(refused))
    decreed = await drive(demo, rid, "bkd_official", "issue_decree", data={"decreeNo": "SK-PLC-1/2026"})
    assert decreed["state"] == "decreed"


async def test_a_whole_number_outside_its_range_is_refused_with_the_range(demo: DemoApi) -> None:
    rid = await proposed(
        demo, "employee", "proposeTraining", employeeNip=demo.uid("employee"), title="GIS", hours=8, date=TMT
    )
    await run(demo, rid, [("unit_head", "approve"), ("employee", "record_attendance")])
    for hours, says in ((5000, "data.hours 5000 is outside 1 .. 1000"), ("8", "must be a whole number from 1 to 1000")):
        refused = await act(demo, "employee", rid, "claim", data={"hours": hours, "certificate": "C-1"})
        assert (codes(refused), fields(refused)) == (["VALIDATION"], ["data.hours"])
        assert says in messages(refused)[0]


async def test_a_refused_value_is_validation_after_the_authority_check(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    stranger = await act(demo, "employee", rid, "issue_decree", data={"decreeNo": "x" * 500})
    assert codes(stranger) in (["FORBIDDEN"], ["NOT_FOUND"])


# ------------------------------------------------------------------------- every command's text inputs


async def test_nul_in_a_comment_or_a_reason_is_refused_naming_the_field(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    comment = await act(demo, "pyb", rid, "return", comment="see\x00 attached")
    assert (codes(comment), fields(comment)) == (["VALIDATION"], ["comment"])
    reason = await propose(
        demo,
        "bkd_official",
        "proposePlacement",
        employeeNip=demo.uid("superior"),
        positionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
        reason="needed\x00",
    )
    assert (codes(reason), fields(reason)) == (["VALIDATION"], ["reason"])
    assert await audit_events(demo, action="request.return") == []


async def test_text_longer_than_its_column_is_refused_on_every_engine_naming_the_limit(demo: DemoApi) -> None:
    name_limit = Employee.name.type.length
    person = {
        "nip": "198609262015051001",
        "name": "N" * (name_limit + 1),
        "birthDate": "1986-09-26",
        "gender": "M",
        "employmentType": "PNS",
        "education": "S1",
        "rankCode": "III/a",
        "rankSince": "2015-05-01",
    }
    registered = (await demo.ask("bkd_official", REGISTER, input=person))["registerEmployee"]
    assert (codes(registered), fields(registered)) == (["VALIDATION"], ["name"])
    assert f"name is {name_limit + 1} characters long, above the limit of {name_limit}" in messages(registered)[0]

    title_limit = Position.title.type.length
    post = {"code": "X-1", "title": "T" * (title_limit + 1), "type": "pelaksana", "unitCode": "BKD", "quota": 1}
    upserted = (await demo.ask("bkd_official", UPSERT_POSITION, input=post))["upsertPosition"]
    assert (codes(upserted), fields(upserted)) == (["VALIDATION"], ["title"])

    user_limit = RoleGrant.user_id.type.length
    grant = {"userId": "u" * (user_limit + 1), "role": "unit_hr", "unitCode": "BKD"}
    granted = (await demo.ask("admin", GRANT_ROLE, input=grant))["grantRole"]
    assert (codes(granted), fields(granted)) == (["VALIDATION"], ["userId"])


async def test_free_text_and_idempotency_keys_have_limits_too(demo: DemoApi) -> None:
    rid = await approved_placement(demo)
    essay = await act(demo, "pyb", rid, "return", comment="x" * (FREE_TEXT_LIMIT + 1))
    assert (codes(essay), fields(essay)) == (["VALIDATION"], ["comment"])
    key = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "SK-1"}, idempotencyKey="k" * 201)
    assert (codes(key), fields(key)) == (["VALIDATION"], ["idempotencyKey"])
    assert await state_of(demo, rid) == "approved"


# ------------------------------------------------------- generated: every String input of every mutation


SCHEMA = build_schema(sdl())
PLACEHOLDER = {"String": "x", "Int": 1, "Date": "2026-12-01", "ID": "1", "Boolean": False}


def _input_type(mutation: str) -> GraphQLInputObjectType:
    assert SCHEMA.mutation_type is not None
    input_type = get_named_type(SCHEMA.mutation_type.fields[mutation].args["input"].type)
    assert isinstance(input_type, GraphQLInputObjectType)
    return input_type


def _string_inputs() -> list[tuple[str, str, str]]:
    """(mutation, its input type, field) for every String field of every mutation's input, from the schema."""
    assert SCHEMA.mutation_type is not None
    return [
        (mutation, _input_type(mutation).name, name)
        for mutation in SCHEMA.mutation_type.fields
        for name, spec in _input_type(mutation).fields.items()
        if get_named_type(spec.type).name == "String"
    ]


def _input_with(mutation: str, field: str, value: str) -> dict[str, Any]:
    """The mutation's input with every required field filled in and ``field`` set to ``value``."""
    required = {
        name: [] if isinstance(spec.type.of_type, GraphQLList) else PLACEHOLDER[get_named_type(spec.type).name]
        for name, spec in _input_type(mutation).fields.items()
        if isinstance(spec.type, GraphQLNonNull)
    }
    return {**required, field: value}


STRING_INPUTS = _string_inputs()


@pytest.mark.parametrize(
    ("mutation", "input_type", "field"), STRING_INPUTS, ids=[f"{m}.{f}" for m, _, f in STRING_INPUTS]
)
async def test_every_string_input_of_every_mutation_refuses_nul_and_text_beyond_its_column(
    demo: DemoApi, mutation: str, input_type: str, field: str
) -> None:
    query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ errors {{ code field message }} }} }}"
    limit = IdempotencyRecord.key.type.length if field == "idempotencyKey" else limit_of(mutation, field)
    for value, says in (("1\x002", "contains a NUL character"), ("1" * (limit + 1), f"above the limit of {limit}")):
        answer = (await demo.ask("admin", query, input=_input_with(mutation, field, value)))[mutation]
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [("VALIDATION", field)], answer
        assert says in answer["errors"][0]["message"]
