"""Mermaid state diagrams drawn from definition data (no machine, no graphviz)."""

from __future__ import annotations

from workflows.definition import Definition


def mermaid(definition: Definition) -> str:
    """A ``stateDiagram-v2`` of the definition: each action labelled with its actor, guards and effects."""
    lines = ["stateDiagram-v2", f"    %% {definition.version}: {definition.title}"]
    lines.append(f"    [*] --> {definition.initial}: {definition.proposal.action}")
    for action in definition.actions:
        for source in action.sources:
            who = "/".join(a.label() for a in definition.actors_of(action, source)) or "?"
            label = f"{action.name}"
            if action.when:
                label += " [" + ", ".join(f"{k}={v}" for k, v in action.when.items()) + "]"
            label += f" ({who})"
            if action.guards:
                label += " guards: " + ", ".join(action.guards)
            if action.effects:
                label += " effects: " + ", ".join(action.effects)
            lines.append(f"    {source} --> {action.dest}: {label}")
    for state in sorted(definition.terminal_states):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
