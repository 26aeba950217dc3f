"""Every action a workflow definition gives to a role or relation is permitted to it in policy.csv.

Read straight from ``workflows/definitions/*.yaml``: an action's own actors, else the owners of each
state it leaves; the proposal's actors for the proposing action. "proposer" and the scheduler are
checked by the engine, not the policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.decide import decide
from policies.viewer import Grant, Viewer

DEFINITIONS = Path(__file__).resolve().parents[2] / "workflows" / "definitions"
POLICY_RELATIONS = {"self", "supervisor", "superior"}


def _actors(raw: Any) -> list[dict[str, str]]:
    return [a for a in (raw or []) if isinstance(a, dict)]


def _sources(action: dict[str, Any]) -> list[str]:
    found = action.get("from")
    return found if isinstance(found, list) else [found]


def required() -> Iterator[tuple[str, str, str, str]]:
    """(file, role or relation, object kind, action) for every actor of every action."""
    for path in sorted(DEFINITIONS.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        obj = str(raw["kind"]).lower()
        states = raw.get("states") or {}
        pairs = [(raw["proposal"]["action"], _actors(raw["proposal"].get("actors")))]
        for action in raw.get("actions") or []:
            actors = _actors(action.get("actors"))
            if not actors:
                actors = [a for s in _sources(action) for a in _actors((states.get(s) or {}).get("owners"))]
            pairs.append((action["name"], actors))
        for name, actors in pairs:
            for actor in actors:
                who = actor.get("role") or actor.get("relation")
                if who is not None and (actor.get("role") or who in POLICY_RELATIONS):
                    yield path.name, who, obj, name


CASES = sorted(set(required()))


def test_the_definitions_name_actions_to_check() -> None:
    assert len(CASES) > 20


@pytest.mark.parametrize(("source", "who", "obj", "action"), CASES, ids=[f"{c[0]}:{c[1]}.{c[3]}" for c in CASES])
def test_the_policy_permits_what_the_definition_assigns(source: str, who: str, obj: str, action: str) -> None:
    if who in POLICY_RELATIONS:
        decision = decide(Viewer(user_id="u"), obj=obj, action=action, unit_path="/1/", relations=frozenset({who}))
    else:
        viewer = Viewer(user_id="u", grants=(Grant(who, 1, "U", "/1/"),))
        decision = decide(viewer, obj=obj, action=action, unit_path="/1/2/")
    assert decision.allowed, f"{source}: {who} must be able to {action} {obj}: {decision.reason}"
