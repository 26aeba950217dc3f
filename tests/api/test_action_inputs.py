"""``ActionOption.inputs``: what each action takes in ``data``, generated from the definition, so a client
can draw the form before acting instead of learning ``decreeNo`` from a refusal."""

from __future__ import annotations

from typing import Any

from schema.types.workflow import ActionInput, ActionInputType
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, act, codes, proposed, run
from workflows import catalog

OPTIONS = """query($id: ID!) { request(id: $id) { state availableActions {
  action allowed inputs { name type inputType required choices maxLength minimum maximum }
} } }"""
TO_APPROVED = [
    ("unit_head", "release"),
    ("target_head", "accept"),
    ("bkd_verifier", "verify"),
    ("board_member", "recommend"),
    ("ppk", "decide"),
]


async def options(api: DemoApi, persona: str, rid: str) -> dict[str, Any]:
    request = (await api.ask(persona, OPTIONS, id=rid))["request"]
    return {o["action"]: o for o in request["availableActions"]}


async def test_issuing_a_decree_says_it_needs_a_decree_number_of_at_most_80_characters(demo: DemoApi) -> None:
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (await options(demo, "unit_head", rid))["release"]["inputs"] == []
    assert await run(demo, rid, TO_APPROVED) == "approved"
    issue = (await options(demo, "bkd_official", rid))["issue_decree"]
    assert issue["inputs"] == [
        {
            "name": "decreeNo",
            "type": "string",
            "inputType": "STRING",
            "required": True,
            "choices": None,
            "maxLength": 80,
            "minimum": None,
            "maximum": None,
        }
    ]
    # and the form drawn from it is the one act enforces: the limit, then the value within it
    too_long = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "x" * 81})
    assert codes(too_long) == ["VALIDATION"]
    ok = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "SK-1/2026"})
    assert ok["errors"] == []


def test_every_declared_input_of_every_definition_becomes_an_action_input() -> None:
    """Each (state, action) of each definition version: the schema type carries the declaration whole."""
    seen = 0
    for definition in catalog.all_definitions():
        for action in definition.actions:
            for state in action.sources:
                for spec in definition.inputs(state, action.name):
                    made = ActionInput.of(spec)
                    assert (made.name, made.type, made.required) == (spec.name, spec.type, spec.required)
                    assert made.input_type == ActionInputType(spec.type)
                    assert made.max_length == spec.max_length and made.minimum == spec.minimum
                    assert made.choices == (list(spec.choices) if spec.choices is not None else None)
                    seen += 1
    assert seen > 5


def test_an_evaluation_rating_offers_its_choices_and_an_optional_reason() -> None:
    evaluation = next(d for d in catalog.current_definitions() if d.kind == "EVALUATION")
    inputs = {f.name: ActionInput.of(f) for f in evaluation.inputs("in_progress", "rate")}
    assert inputs["resultRating"].choices == ["above", "as", "below"] and inputs["resultRating"].required
    assert inputs["distributionReason"].required is False and inputs["distributionReason"].max_length == 1000
