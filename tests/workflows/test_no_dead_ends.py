"""No dead ends: from every state of every definition some step a person or the scheduler can take leads, one
step after another, to a terminal state; a definition with a state that cannot finish is refused at load.

The shipped definitions are walked exhaustively (a forward search from each state, written independently of
``workflows.reachability``'s fixed point); generated definitions check that the loader refuses exactly the
ones the forward search finds stuck, naming the stuck states.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows import catalog
from workflows.definition import Definition, DefinitionError, parse
from workflows.effects import EFFECTS
from workflows.guards import GUARDS


def finishes(definition: Definition, start: str) -> bool:
    """Forward search: can a person or the scheduler take steps from ``start`` until a terminal state?"""
    seen, queue = {start}, deque([start])
    while queue:
        state = queue.popleft()
        if definition.states[state].terminal:
            return True
        for action in definition.actions_from(state):
            people = [a for a in definition.actors_of(action, state) if a.system is None]
            if (people or action.auto) and action.dest not in seen:
                seen.add(action.dest)
                queue.append(action.dest)
    return False


@pytest.mark.parametrize("definition", catalog.all_definitions(), ids=lambda d: d.version)
def test_every_state_of_every_shipped_definition_can_reach_a_terminal_state(definition: Definition) -> None:
    stuck = [state for state in definition.states if not finishes(definition, state)]
    assert stuck == []


def raw_definition(states: dict[str, dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "PLACEMENT",
        "version": "generated/1",
        "initial": "s0",
        "proposal": {"action": "propose", "actors": [{"role": "unit_head"}]},
        "states": states,
        "actions": actions,
    }


def load(raw: dict[str, Any]) -> Definition:
    return parse(raw, source="generated.yaml", guards=frozenset(GUARDS), effects=frozenset(EFFECTS))


def test_a_decree_no_one_can_carry_out_is_refused_with_a_sentence() -> None:
    raw = raw_definition(
        {
            "s0": {"owners": [{"role": "pyb"}]},
            "decreed": {"owners": [{"system": "effective_date_reached"}]},
            "effective": {"terminal": True},
            "rejected": {"terminal": True},
        },
        [
            {"name": "decide", "kind": "forward", "from": "s0", "to": "decreed"},
            {"name": "reject", "kind": "reject", "from": "s0", "to": "rejected"},
            # the scheduler owns the state, but the action has no auto condition: nobody can take it
            {"name": "take_effect", "kind": "forward", "from": "decreed", "to": "effective"},
        ],
    )
    with pytest.raises(DefinitionError) as refused:
        load(raw)
    assert str(refused.value).startswith(
        "generated.yaml: state(s) 'decreed' can never finish: no action a person or the scheduler can take leads"
    )
    raw["actions"][2]["auto"] = "effective_date_reached"
    assert load(raw).version == "generated/1"


def test_a_loop_with_no_way_out_is_refused() -> None:
    raw = raw_definition(
        {"s0": {"owners": [{"role": "pyb"}]}, "s1": {"owners": [{"role": "pyb"}]}, "done": {"terminal": True}},
        [
            {"name": "finish", "kind": "forward", "from": "s0", "to": "done"},
            {"name": "go", "kind": "forward", "from": "s0", "to": "s1"},
            {"name": "back", "kind": "return", "from": "s1", "to": "s1"},
        ],
    )
    with pytest.raises(DefinitionError, match="state\\(s\\) 's1' can never finish"):
        load(raw)


OWNERS = st.sampled_from([[{"role": "pyb"}], [{"system": "effective_date_reached"}], []])


@st.composite
def generated(draw: st.DrawFn) -> dict[str, Any]:
    """A random definition: 2-6 working states and a terminal one, random edges, owners and auto steps;
    every working state has at least one action leaving it (the loader's older rule)."""
    n = draw(st.integers(min_value=2, max_value=6))
    names = [f"s{i}" for i in range(n)]
    states: dict[str, dict[str, Any]] = {name: {"owners": draw(OWNERS)} for name in names}
    states["done"] = {"terminal": True}
    actions = []
    for i, name in enumerate(names):
        for j in range(draw(st.integers(min_value=1, max_value=2))):
            action: dict[str, Any] = {
                "name": f"a{i}_{j}",
                "kind": "forward",
                "from": name,
                "to": draw(st.sampled_from([*names, "done"])),
            }
            if draw(st.booleans()):
                action["actors"] = draw(OWNERS)
            if draw(st.integers(min_value=0, max_value=4)) == 0:
                action["auto"] = "effective_date_reached"
            actions.append(action)
    return raw_definition(states, actions)


@settings(max_examples=300, deadline=None)
@given(raw=generated())
def test_the_loader_refuses_exactly_the_definitions_with_a_state_that_cannot_finish(raw: dict[str, Any]) -> None:
    try:
        definition = load(raw)
    except DefinitionError as refused:
        stuck = [s for s in raw["states"] if s != "done" and not _finishes_raw(raw, s)]
        assert stuck, f"refused without a stuck state: {refused}"
        assert all(repr(s) in str(refused) for s in stuck)
        return
    assert all(finishes(definition, state) for state in definition.states)


def _finishes_raw(raw: dict[str, Any], start: str) -> bool:
    """The forward search on the raw data (the loader refused it, so there is no ``Definition``)."""
    seen, queue = {start}, deque([start])
    while queue:
        state = queue.popleft()
        if raw["states"][state].get("terminal"):
            return True
        for action in raw["actions"]:
            if action["from"] != state:
                continue
            actors = action.get("actors") or raw["states"][state]["owners"]
            if (any("system" not in a for a in actors) or action.get("auto")) and action["to"] not in seen:
                seen.add(action["to"])
                queue.append(action["to"])
    return False
