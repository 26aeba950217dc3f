"""May this viewer take this action on this request? The definition routes, the policy permits, SoD forbids.

Three checks, all from data and without queries (so ``availableActions`` can run them for a page):

1. The definition names who acts (a role over the request's or the origin unit, a relation, the proposer):
   the viewer must be one of them.
2. ``policies.decide`` must permit the (role or relation, object kind, action) in that unit.
3. Segregation of duties (DOMAIN.md): nobody acts on a request about themselves except in the employee's
   own steps; the proposer does not approve their own proposal, nor records an outside body's answer to
   it; one person takes at most one approval step of a request, across every round of return and
   resubmission. People are compared as persons (``Viewer.person``: the NIP of a civil servant, whatever
   user id they signed in with), and steps the proposal implied count as the proposer's approvals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from policies.decide import covers, decide
from policies.viewer import Grant, Viewer
from server.identity import NIP_LENGTH
from workflows.definition import ActionDef, ActorSpec, Definition


@dataclass(frozen=True)
class UnitRef:
    id: int | None
    code: str | None
    path: str | None


@dataclass(frozen=True)
class Standing:
    """How the viewer stands to one request: relations to its subject, its units, who proposed, who approved.

    ``approvals`` maps each person (NIP or user id) to the approval step they took, from every round of
    the request; ``proposer`` is the proposer as a person (None on requests stored before it was kept).
    """

    relations: frozenset[str]
    units: Mapping[str, UnitRef]
    proposed_by: str
    approvals: Mapping[str, str] = field(default_factory=dict)
    proposer: str | None = None

    @classmethod
    def of(
        cls,
        relations: frozenset[str],
        units: Mapping[str, UnitRef],
        proposed_by: str,
        proposer: str | None,
        approvals: Mapping[str, str],
    ) -> Standing:
        """The standing on a stored request: its ``approvals`` (``request_approvals``, person -> step) and the
        proposer as a person (``WorkflowRequest.proposer_person``)."""
        return cls(relations, units, proposed_by, dict(approvals), proposer or None)

    def is_proposer(self, viewer: Viewer) -> bool:
        return same_person(viewer, self.proposed_by) or (self.proposer is not None and viewer.person == self.proposer)


@dataclass(frozen=True)
class Refusal:
    rule: str
    reason: str


def same_person(viewer: Viewer, user_id: str | None) -> bool:
    """``user_id`` (a user id or a NIP, canonical) names the viewer."""
    return user_id is not None and viewer.user_id is not None and user_id in {viewer.user_id, viewer.nip}


def holds(viewer: Viewer, role: str, unit: UnitRef | None) -> bool:
    """The viewer holds ``role`` over ``unit`` (a grant on it or above, or province-wide)."""
    path = unit.path if unit else None
    return any(g.role == role and covers(g.unit_path, path) for g in viewer.grants)


def actor_matches(actor: ActorSpec, viewer: Viewer, standing: Standing) -> bool:
    if actor.system is not None:
        return False
    if actor.relation == "proposer":
        return standing.is_proposer(viewer)
    if actor.relation is not None:
        return actor.relation in standing.relations
    assert actor.role is not None
    return holds(viewer, actor.role, standing.units.get(actor.unit))


def _policy(
    definition: Definition, action: str, actor: ActorSpec, viewer: Viewer, standing: Standing
) -> Refusal | None:
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


def segregation(action: ActionDef, actor: ActorSpec, viewer: Viewer, standing: Standing) -> Refusal | None:
    """The segregation-of-duties rule the step would break, if any: for the viewer, and when they would act
    as someone's delegate, for the delegator too (a delegate is not a way round the delegator's duties)."""
    refusal = _segregation(action, actor, viewer, standing)
    principal = _principal(actor, viewer, standing)
    if refusal is not None or principal is None:
        return refusal
    theirs = _segregation(action, actor, principal, standing)
    if theirs is None:
        return None
    reason = theirs.reason.removeprefix("refused: ")
    return Refusal(
        theirs.rule, f"refused: you would act as {principal.user_id}'s delegate, and for them the rule holds: {reason}"
    )


def _principal(actor: ActorSpec, viewer: Viewer, standing: Standing) -> Viewer | None:
    """The delegator whose delegated grant the viewer would act by in ``actor``'s capacity, if any."""
    grant = acting_grant([actor], viewer, standing)
    if grant is None or grant.acting != "delegation" or not grant.granted_by:
        return None
    who = grant.granted_by
    return Viewer(user_id=who, nip=who if len(who) == NIP_LENGTH and who.isascii() and who.isdigit() else None)


def _segregation(action: ActionDef, actor: ActorSpec, viewer: Viewer, standing: Standing) -> Refusal | None:
    if "self" in standing.relations and actor.relation not in ("self", "proposer"):
        return Refusal(
            "sod.own_case",
            "refused: this request is about you, and nobody acts on a request about themselves (segregation of duties)",
        )
    if action.external and standing.is_proposer(viewer):
        return Refusal(
            "sod.proposer_records_answer",
            "refused: you proposed this request, and an outside body's answer to it is recorded by someone "
            "other than the proposer (segregation of duties)",
        )
    if not action.approval or actor.relation in ("self", "proposer"):
        return None
    if standing.is_proposer(viewer):
        return Refusal(
            "sod.proposer_approves",
            "refused: you proposed this request, and the proposer does not approve their own proposal "
            "(segregation of duties)",
        )
    for person, step in standing.approvals.items():
        if step != action.name and same_person(viewer, person):
            return Refusal(
                "sod.two_steps",
                f"refused: you already took the {step.replace('_', ' ')} step of this request, and one person "
                "does not take two approval steps of one request, in any round (segregation of duties)",
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


def implied_steps(definition: Definition, viewer: Viewer, standing: Standing) -> list[str]:
    """The step the proposal itself gives (a head who submits a transfer releases it): at most one.

    An implied step is the proposer's approval, so like any person the proposer takes at most one: a
    head above both units of a transfer releases it by proposing, and the acceptance is someone else's.
    """
    for action in definition.actions:
        if action.implied_by_proposer and permitted(definition, action, viewer, standing):
            return [action.name]
    return []


def acting_grant(actors: Sequence[ActorSpec], viewer: Viewer, standing: Standing) -> Grant | None:
    """The grant the viewer acts by in one of ``actors``' capacities when it is held as an acting official
    or a delegate (for the audit: on whose behalf); None when they act in their own right or by a relation."""
    acting: Grant | None = None
    for actor in actors:
        if actor.role is None or not actor_matches(actor, viewer, standing):
            continue
        unit = standing.units.get(actor.unit)
        path = unit.path if unit else None
        for grant in viewer.grants:
            if grant.role != actor.role or not covers(grant.unit_path, path):
                continue
            if grant.acting is None:
                return None
            acting = acting or grant
    return acting


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


def check_proposal(
    definition: Definition, viewer: Viewer, standing: Standing
) -> tuple[ActorSpec | None, Refusal | None]:
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


def describe(actors: Sequence[ActorSpec]) -> str:
    return " or ".join(a.describe() for a in actors) or "nobody"
