"""No dead ends: from every state that is not terminal, some sequence of steps reaches a terminal state.

A step counts when somebody can take it: a person (the action's own actors, else the owners of the state
it leaves, other than the scheduler) or the scheduler (an ``auto`` condition). A state from which no such
path leads to a terminal state would hold its requests for ever, so a definition with one is refused when
it loads, with a sentence naming the state. The graph is tiny (a dozen states), so a fixed point is plenty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflows.definition import ActionDef, Definition


def takeable(definition: Definition, action: ActionDef, state: str) -> bool:
    """Whether a person or the scheduler can take ``action`` from ``state``."""
    if action.auto is not None:
        return True
    return any(actor.system is None for actor in definition.actors_of(action, state))


def can_finish(definition: Definition) -> frozenset[str]:
    """The states from which a terminal state can be reached by takeable steps (terminal ones included)."""
    done = set(definition.terminal_states)
    grew = True
    while grew:
        grew = False
        for action in definition.actions:
            if action.dest not in done:
                continue
            for state in action.sources:
                if state not in done and takeable(definition, action, state):
                    done.add(state)
                    grew = True
    return frozenset(done)


def dead_ends(definition: Definition) -> list[str]:
    """The states, in definition order, from which no takeable sequence of steps reaches a terminal state."""
    finishing = can_finish(definition)
    return [name for name in definition.states if name not in finishing]


def explain(definition: Definition, source: str) -> str | None:
    """The sentence refusing ``definition`` for its dead ends, or None when it has none."""
    stuck = dead_ends(definition)
    if not stuck:
        return None
    terminals = ", ".join(sorted(definition.terminal_states)) or "none declared"
    states = ", ".join(repr(s) for s in stuck)
    return (
        f"{source}: state(s) {states} can never finish: no action a person or the scheduler can take leads from "
        f"them to a terminal state ({terminals}); add such an action (a reject or withdraw with its actors, or "
        "a forward step), or give the state owners"
    )
