"""One shared ``transitions`` machine per definition version, and firing a trigger on a request's state.

The machine is the arbiter of which transition a trigger takes from a state (including outcomes told
apart by the action's ``when`` data). Guards that read the database run before, in ``workflows.guards``,
because they are async and must report every failed rule, not just stop at the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import Machine, MachineError

from workflows.definition import ActionDef, Definition


class TransitionRefused(Exception):
    """The action does not lead anywhere from the state (or with that data); the message says why."""


class _Token:
    """The model the shared machine moves: only a state, added and removed around one trigger."""

    state: str


def _when(conditions: Mapping[str, str]) -> Any:
    def check(*_args: Any, data: Mapping[str, Any] | None = None, **_kwargs: Any) -> bool:
        return all(str((data or {}).get(key)) == value for key, value in conditions.items())

    return check


_machines: dict[str, Machine] = {}


def machine_for(definition: Definition) -> Machine:
    """The one machine of this definition version (built on first use, then shared)."""
    machine = _machines.get(definition.version)
    if machine is None:
        transitions = [
            {
                "trigger": action.name,
                "source": list(action.sources),
                "dest": action.dest,
                "conditions": [_when(action.when)] if action.when else [],
            }
            for action in definition.actions
        ]
        machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=transitions,
            initial=definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        _machines[definition.version] = machine
    return machine


def select_action(definition: Definition, state: str, name: str, data: Mapping[str, Any]) -> ActionDef | None:
    """The definition entry ``name`` would take from ``state`` with ``data`` (None: none applies)."""
    for action in definition.actions_from(state):
        if action.name == name and all(str(data.get(k)) == v for k, v in action.when.items()):
            return action
    return None


# (definition version, state, trigger, the data its conditions read) -> the state the machine moved to
_fired: dict[tuple[str, str, str, tuple[str | None, ...]], str] = {}


def fire(definition: Definition, state: str, name: str, data: Mapping[str, Any]) -> str:
    """Fire ``name`` from ``state`` on the shared machine; the state it lands in.

    What the machine answers depends only on the definition version, the state, the trigger and the values
    its conditions compare (the actions' ``when``): it is asked once per combination and its answer kept,
    since adding the token to the machine and removing it cost more than the rest of a step's Python. A
    refusal is not kept (it is asked again, and raises again). A value no condition names is kept as None,
    so what is kept stays as small as the definitions."""
    key = (definition.version, state, name, _compared(definition, name, data))
    moved = _fired.get(key)
    if moved is None:
        moved = _fired[key] = _fire_on_machine(definition, state, name, data)
    return moved


# (definition version, trigger) -> each data key its conditions read, with the values they name
_named: dict[tuple[str, str], tuple[tuple[str, frozenset[str]], ...]] = {}


def _compared(definition: Definition, name: str, data: Mapping[str, Any]) -> tuple[str | None, ...]:
    """The data values the conditions of ``name`` compare, in key order (None for a value none of them names)."""
    named = _named.get((definition.version, name))
    if named is None:
        whens = [a.when for a in definition.actions if a.name == name]
        keys = sorted({k for w in whens for k in w})
        named = _named[definition.version, name] = tuple(
            (key, frozenset(w[key] for w in whens if key in w)) for key in keys
        )
    return tuple(value if (value := str(data.get(key))) in values else None for key, values in named)


def _fire_on_machine(definition: Definition, state: str, name: str, data: Mapping[str, Any]) -> str:
    machine = machine_for(definition)
    token = _Token()
    machine.add_model(token, initial=state)
    try:
        trigger = getattr(token, name, None)
        if trigger is None:
            raise TransitionRefused(f"{definition.version} has no action {name!r}")
        try:
            moved = trigger(data=dict(data))
        except MachineError:
            raise TransitionRefused(f"{name} is not possible in state {state}") from None
        if not moved:
            raise TransitionRefused(f"{name} from state {state} needs {_outcomes(definition, state, name)}")
        return token.state
    finally:
        machine.remove_model(token)


def _outcomes(definition: Definition, state: str, name: str) -> str:
    options = [a.when for a in definition.actions_from(state) if a.name == name and a.when]
    keys = sorted({k for w in options for k in w})
    return " or ".join(f"{k} one of {', '.join(sorted({w[k] for w in options if k in w}))}" for k in keys)
