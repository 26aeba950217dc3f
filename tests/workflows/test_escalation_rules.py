"""The pieces of deadlines and bulk decisions that need no API round trip: the definition key, the rule, and
the cost of a batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graphql import OperationDefinitionNode
from graphql import parse as parse_graphql

from schema.cost import CostModel
from schema.schema import schema
from server.settings import Settings
from workflows import catalog, escalation
from workflows.definition import DefinitionError, parse
from workflows.effects import EFFECTS
from workflows.guards import GUARDS


def definition(escalation_key: Any) -> dict[str, Any]:
    return {
        "kind": "PLACEMENT",
        "version": "x/1",
        "initial": "a",
        "proposal": {"action": "propose", "actors": [{"role": "unit_head"}]},
        "states": {
            "a": {"owners": [{"role": "unit_head"}], "due_days": 5, "escalation": escalation_key},
            "b": {"terminal": True},
        },
        "actions": [{"name": "go", "kind": "forward", "from": "a", "to": "b"}],
    }


def test_a_step_names_the_dated_rule_its_escalation_waits_for() -> None:
    parsed = parse(
        definition({"escalate_after": "task.escalation"}),
        source="x.yaml",
        guards=frozenset(GUARDS),
        effects=frozenset(EFFECTS),
    )
    assert parsed.states["a"].escalate_after == "task.escalation"
    assert catalog.current("TRANSFER").states["released"].escalate_after == "task.escalation"
    assert catalog.current("TRANSFER").states["returned"].escalate_after is None  # a person's task: no unit above


def test_an_escalation_in_another_shape_is_refused_naming_the_state() -> None:
    with pytest.raises(DefinitionError, match=r"x.yaml: state a: escalation must be \{escalate_after: <rule name>\}"):
        parse(definition({"after": 3}), source="x.yaml", guards=frozenset(GUARDS), effects=frozenset(EFFECTS))


def test_the_service_standard_gives_three_calendar_days_from_2024() -> None:
    assert escalation.escalation_days("task.escalation", dt.date(2027, 1, 1)) == (3, "task.escalation/2024")


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    (operation,) = [d for d in parse_graphql(query).definitions if isinstance(d, OperationDefinitionNode)]
    settings = Settings()
    model = CostModel(default_page=settings.default_page_size, max_page=settings.max_page_size)
    return model.measure(schema._schema, operation, {}, variables or {})[0]


ACT_MANY = """mutation($input: ActManyInput!) { actMany(input: $input) {
  results { request { id state } errors { code } } } }"""


def test_act_many_costs_its_results_once_per_item_given() -> None:
    one = cost(ACT_MANY, {"input": {"items": [{"requestId": "1", "action": "verify"}]}})
    many = cost(ACT_MANY, {"input": {"items": [{"requestId": "1", "action": "verify"}] * 200}})
    literal = cost(
        'mutation { actMany(input: {items: [{requestId: "1", action: "verify"}, '
        '{requestId: "2", action: "verify"}]}) { results { request { id } } } }'
    )
    assert many - 2 == 200 * (one - 2)
    assert literal == 2 + 2 * 2
    bulk = "mutation($p: Date!) { proposeRankPromotions(input: {period: $p}) { results { employeeNip } } }"
    assert cost(bulk, {"p": "2026-12-01"}) == 2 + 200
