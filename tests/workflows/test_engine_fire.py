"""``engine.fire`` remembers the shared machine's answers: for every installed definition, state and action, with
every value the actions' conditions name, a value none names and no data, it answers what the machine answers,
the first time (asked) and the second (remembered); refusals are never remembered, and raise each time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from workflows import catalog, engine
from workflows.definition import Definition
from workflows.engine import TransitionRefused


def _outcome(fire: Any, definition: Definition, state: str, name: str, data: dict[str, str]) -> tuple[str, str]:
    try:
        return ("moved", fire(definition, state, name, data))
    except TransitionRefused as refusal:
        return ("refused", str(refusal))


def _datas(definition: Definition, name: str) -> list[dict[str, str]]:
    whens = [a.when for a in definition.actions if a.name == name]
    keys = sorted({k for w in whens for k in w})
    values = [sorted({w[k] for w in whens if k in w} | {"none-of-them"}) for k in keys]
    return [{}, *(dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values))]


@pytest.mark.parametrize("definition", catalog.all_definitions(), ids=lambda d: d.version)
def test_fire_answers_what_the_machine_answers_asked_or_remembered(definition: Definition) -> None:
    for name in sorted(definition.action_names()):
        for state, data in itertools.product(definition.states, _datas(definition, name)):
            machine = _outcome(engine._fire_on_machine, definition, state, name, data)
            assert _outcome(engine.fire, definition, state, name, data) == machine, (state, name, data)
            assert _outcome(engine.fire, definition, state, name, data) == machine, (state, name, data)
    remembered = [key for key in engine._fired if key[0] == definition.version]
    assert all(engine._fired[key] in definition.states for key in remembered)


def test_what_is_remembered_does_not_grow_with_values_no_condition_names() -> None:
    definition = catalog.current("PLACEMENT")
    before = len(engine._fired)
    for i in range(50):
        assert engine.fire(definition, "proposed", "verify", {"anything": f"value {i}"}) == "verified"
    assert len(engine._fired) <= before + 1
