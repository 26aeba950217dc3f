"""May this viewer take this action on this request? The definition routes, the policy permits, SoD forbids.

Three checks, all from data and without queries (so ``availableActions`` can run them for a page):

1. The definition names who acts (a role over the request's or the origin unit, a relation, the proposer):
   the viewer must be one of them.
2. ``policies.decide`` must permit the (role or relation, object kind, action) in that unit.
3. Segregation of duties (DOMAIN.md): nobody acts on a request about themselves except in the employee's
   own steps; the proposer does not approve their own proposal; one person does not take two approval
   steps of one request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from policies.decide import covers, decide
from policies.viewer import Viewer
from workflows.definition import ActionDef, Actor, Definition


@dataclass(frozen=True)
class UnitRef:
    id: int | None
    code: str | None
    path: str | None


@dataclass(frozen=True)
class Standing:
    """How the viewer stands to one request: relations to its subject, its units, who proposed, who approved."""

    relations: frozenset[str]
    units: Mapping[str, UnitRef]
    proposed_by: str
    approvals: Mapping[str, str] = field(default_factory=dict)

    def is_proposer(self, viewer: Viewer) -> bool:
        return viewer.user_id is not None and viewer.user_id == self.proposed_by


@dataclass(frozen=True)
class Refusal:
    rule: str
    reason: str


def same_person(viewer: Viewer, user_id: str | None) -> bool:
    return user_id is not None and user_id in {viewer.user_id, viewer.nip}


def holds(viewer: Viewer, role: str, unit: UnitRef | None) -> bool:
    """The viewer holds ``role`` over ``unit`` (a grant on it or above, or province-wide)."""
    path = unit.path if unit else None
    return any(g.role == role and covers(g.unit_path, path) for g in viewer.grants)


def actor_matches(actor: Actor, viewer: Viewer, standing: Standing) -> bool:
    if actor.system is not None:
        return False
    if actor.relation == "proposer":
        return standing.is_proposer(viewer)
    if actor.relation is not None:
        return actor.relation in standing.relations
    assert actor.role is not None
    return holds(viewer, actor.role, standing.units.get(actor.unit))


def _policy(definition: Definition, action: str, actor: Actor, viewer: Viewer, standing: Standing) -> Refusal | None:
    relations = standing.relations - {"proposer"}
    if actor.relation == "proposer":
        units = [u for u in standing.units.values() if u is not None]
    else:
        units = [standing.units.get(actor.unit) or UnitRef(None, None, None)]
    last = None
    for unit in units:
        decision = decide(
            viewer, obj=definition.obj, action=action, unit_path=unit.path, relations=relations, unit_code=unit.code
        )
        if decision.allowed:
            return None
        last = decision
    return Refusal("policy", last.reason if last else "refused: no unit to act in")


def segregation(action: ActionDef, actor: Actor, viewer: Viewer, standing: Standing) -> Refusal | None:
    """The segregation-of-duties rule the step would break, if any."""
    if "self" in standing.relations and actor.relation not in ("self", "proposer"):
        return Refusal(
            "sod.own_case",
            "refused: this request is about you, and nobody acts on a request about themselves (segregation of duties)",
        )
    if not action.approval or actor.relation in ("self", "proposer"):
        return None
    if standing.is_proposer(viewer):
        return Refusal(
            "sod.proposer_approves",
            "refused: you proposed this request, and the proposer does not approve their own proposal "
            "(segregation of duties)",
        )
    for step, user in standing.approvals.items():
        if step != action.name and same_person(viewer, user):
            return Refusal(
                "sod.two_steps",
                f"refused: you already took the {step.replace('_', ' ')} step of this request, and one person "
                "does not take two approval steps of one request (segregation of duties)",
            )
    return None


def check(definition: Definition, action: ActionDef, state: str, viewer: Viewer, standing: Standing) -> Refusal | None:
    """None when the viewer may take ``action`` from ``state``; else the first rule that refuses it."""
    actors = definition.actors_of(action, state)
    matching = [a for a in actors if actor_matches(a, viewer, standing)]
    if not matching:
        return Refusal("route", f"refused: {action.name.replace('_', ' ')} is for {describe(actors)}")
    refusal: Refusal | None = None
    for actor in matching:
        refusal = segregation(action, actor, viewer, standing) or _policy(
            definition, action.name, actor, viewer, standing
        )
        if refusal is None:
            return None
    return refusal


def allowing_reasons(
    definition: Definition, action: ActionDef, state: str, viewer: Viewer, standing: Standing
) -> list[str]:
    """For an allowed action, the policy's words for each capacity that allows it (for ``explain``)."""
    reasons: list[str] = []
    relations = standing.relations - {"proposer"}
    for actor in definition.actors_of(action, state):
        if not actor_matches(actor, viewer, standing) or segregation(action, actor, viewer, standing) is not None:
            continue
        if actor.relation == "proposer":
            reasons.append("allowed: you proposed this request")
            continue
        unit = standing.units.get(actor.unit) or UnitRef(None, None, None)
        decision = decide(
            viewer,
            obj=definition.obj,
            action=action.name,
            unit_path=unit.path,
            relations=relations,
            unit_code=unit.code,
        )
        if decision.allowed:
            reasons.append(decision.reason)
    return reasons


def permitted(definition: Definition, action: ActionDef, viewer: Viewer, standing: Standing) -> bool:
    """Route and policy only, no SoD: whether a proposal in this capacity already gives ``action``."""
    for source in action.sources:
        for actor in definition.actors_of(action, source):
            if (
                actor_matches(actor, viewer, standing)
                and _policy(definition, action.name, actor, viewer, standing) is None
            ):
                return True
    return False


def check_proposal(definition: Definition, viewer: Viewer, standing: Standing) -> tuple[Actor | None, Refusal | None]:
    """Whether the viewer may start a request of this definition; the capacity they propose in."""
    actors = definition.proposal.actors
    matching = [a for a in actors if actor_matches(a, viewer, standing)]
    if not matching:
        return None, Refusal("route", f"refused: {definition.proposal.action} is for {describe(actors)}")
    refusal: Refusal | None = None
    for actor in matching:
        refusal = _policy(definition, definition.proposal.action, actor, viewer, standing)
        if refusal is None:
            return actor, None
    return None, refusal


def describe(actors: Sequence[Actor]) -> str:
    return " or ".join(a.describe() for a in actors) or "nobody"
