"""A workflow definition as data: states with the actors who owe the next step, and actions between them.

Definitions live in ``workflows/definitions/*.yaml``, one file per version. Everything the engine, the
task inbox and ``availableActions`` need is read from here; no workflow has code of its own beyond its
named guards and effects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from policies.relations import RELATION_WORDS
from workflows import reachability
from workflows.conditions import CONDITIONS
from workflows.proposal_spec import ProposalSpec, SpecError, parse_proposal
from workflows.step_data import DataField, FieldError, outcome_field, parse_fields

ActionKind = Literal["forward", "reject", "return", "withdraw"]
ACTION_KINDS: tuple[str, ...] = ("forward", "reject", "return", "withdraw")
RELATIONS: tuple[str, ...] = ("self", "supervisor", "superior", "proposer")
UNITS: tuple[str, ...] = ("request", "origin")
SLOT_GUARD = "slot_vacant"  # a request holding a slot is guarded by it, and the guard counts held slots


class DefinitionError(ValueError):
    """A definition file is malformed; the message names the file, the field and the value."""


@dataclass(frozen=True)
class ActorSpec:
    """Who may act: a role held over a unit of the request, a relation to its subject, or the scheduler."""

    role: str | None = None
    unit: str = "request"
    relation: str | None = None
    system: str | None = None

    def describe(self) -> str:
        if self.relation is not None:
            return RELATION_WORDS[self.relation]
        if self.system is not None:
            return f"the scheduler ({self.system.replace('_', ' ')})"
        where = "the origin unit" if self.unit == "origin" else "the request's unit"
        return f"{self.role} of {where} (or a unit above it)"

    def label(self) -> str:
        if self.relation is not None:
            return self.relation
        if self.system is not None:
            return "system"
        return f"{self.role}@origin" if self.unit == "origin" else str(self.role)


@dataclass(frozen=True)
class StateDef:
    name: str
    owners: tuple[ActorSpec, ...] = ()
    due_days: int | None = None
    due_by: tuple[int, int] | None = None  # (month, day): a fixed deadline in the request's year
    terminal: bool = False
    # ``escalation: {escalate_after: <rule>}``: overdue tasks are reminded, then escalated to the unit above
    # after the rule's ``days`` (workflows/escalation.py); None: an overdue task only shows as overdue.
    escalate_after: str | None = None


@dataclass(frozen=True)
class ActionDef:
    """One transition. Several entries may share a name (different sources, or outcomes told apart by ``when``)."""

    name: str
    kind: ActionKind
    sources: tuple[str, ...]
    dest: str
    actors: tuple[ActorSpec, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    needs_comment: bool = False
    approval: bool = True
    when: Mapping[str, str] = field(default_factory=dict)
    data: tuple[DataField, ...] = ()
    auto: str | None = None
    implied_by_proposer: bool = False
    external: bool = False  # records an outside body's answer (BKN, another province): never by the proposer


@dataclass(frozen=True)
class Definition:
    kind: str
    version: str
    title: str
    initial: str
    states: Mapping[str, StateDef]
    actions: tuple[ActionDef, ...]
    proposal: ProposalSpec
    decided_from: frozenset[str] = frozenset()
    order: int | None = None  # where the kind comes in lists (RequestKind, workflowDefinitions); current files
    summary: str | None = None  # one sentence naming the kind (RequestKind's value description)

    @property
    def obj(self) -> str:
        """The object kind the policy speaks of (``placement``, ``rank_promotion``)."""
        return self.kind.lower()

    @property
    def terminal_states(self) -> frozenset[str]:
        return frozenset(s.name for s in self.states.values() if s.terminal)

    def actions_from(self, state: str) -> tuple[ActionDef, ...]:
        return tuple(a for a in self.actions if state in a.sources)

    def action_names(self) -> frozenset[str]:
        return frozenset(a.name for a in self.actions)

    def actors_of(self, action: ActionDef, state: str) -> tuple[ActorSpec, ...]:
        """The action's own actors, else whoever owns the state it leaves."""
        return action.actors or self.states[state].owners

    @property
    def reserving_states(self) -> frozenset[str]:
        """The decided states a request waits in before its effects: it holds its slot there."""
        return self.decided_from - self.terminal_states

    def inputs(self, state: str, name: str) -> tuple[DataField, ...]:
        """What action ``name`` takes from ``state`` (``ActionOption.inputs``): the choice that tells its outcomes
        apart first, then every field any outcome declares; a field only some outcomes take is not required."""
        named = [a for a in self.actions_from(state) if a.name == name]
        fields: dict[str, DataField] = {}
        for key in sorted({k for a in named for k in a.when}):
            fields[key] = outcome_field(key, tuple(sorted({a.when[key] for a in named if key in a.when})))
        for action in named:
            for spec in action.data:
                everywhere = all(any(f.name == spec.name for f in a.data) for a in named)
                fields.setdefault(spec.name, replace(spec, required=spec.required and everywhere))
        return tuple(fields.values())

    def guard_names(self) -> frozenset[str]:
        names = set(self.proposal.guards)
        for action in self.actions:
            names.update(action.guards)
        return frozenset(names)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _actor(raw: Any, where: str) -> ActorSpec:
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: an actor must be a mapping like {{role: bkd_verifier}}, got {raw!r}")
    unknown = set(raw) - {"role", "unit", "relation", "system"}
    if unknown:
        raise DefinitionError(f"{where}: unknown actor keys {sorted(unknown)}")
    actor = ActorSpec(
        role=raw.get("role"), unit=raw.get("unit", "request"), relation=raw.get("relation"), system=raw.get("system")
    )
    if sum(x is not None for x in (actor.role, actor.relation, actor.system)) != 1:
        raise DefinitionError(f"{where}: an actor names exactly one of role, relation or system, got {raw!r}")
    if actor.relation is not None and actor.relation not in RELATIONS:
        raise DefinitionError(f"{where}: relation {actor.relation!r} is not one of {', '.join(RELATIONS)}")
    if actor.unit not in UNITS:
        raise DefinitionError(f"{where}: unit {actor.unit!r} is not one of {', '.join(UNITS)}")
    if actor.system is not None and actor.system not in CONDITIONS:
        raise DefinitionError(f"{where}: system condition {actor.system!r} is not one of {', '.join(CONDITIONS)}")
    return actor


def _fields(raw: Any, where: str) -> tuple[DataField, ...]:
    try:
        return parse_fields(raw)
    except FieldError as exc:
        raise DefinitionError(f"{where}: {exc}") from None


def _month_day(raw: Any, where: str) -> tuple[int, int] | None:
    """``due_by: "01-31"`` -> (1, 31); a day that no year has is refused when the definition loads."""
    if raw is None:
        return None
    try:
        month, day = (int(part) for part in str(raw).split("-"))
        dt.date(2024, month, day)  # a leap year, so "02-29" is accepted and falls back to 28 February
    except ValueError:
        raise DefinitionError(f"{where}: due_by {raw!r} is not a month and day like '01-31'") from None
    return month, day


def _escalation(raw: Any, where: str) -> str | None:
    """``escalation: {escalate_after: task.escalation}`` -> the dated rule giving the days before escalation."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"escalate_after"} or not isinstance(raw["escalate_after"], str):
        raise DefinitionError(f"{where}: escalation must be {{escalate_after: <rule name>}}, got {raw!r}")
    return str(raw["escalate_after"])


def parse(
    raw: Mapping[str, Any],
    *,
    source: str,
    guards: frozenset[str],
    effects: frozenset[str],
    preconditions: frozenset[str] = frozenset(),
) -> Definition:
    """Build a definition from parsed YAML, refusing unknown states, guards, effects, conditions and kinds."""
    try:
        states = {
            name: StateDef(
                name=name,
                owners=tuple(_actor(a, f"{source}: state {name}") for a in _list((spec or {}).get("owners"))),
                due_days=(spec or {}).get("due_days"),
                due_by=_month_day((spec or {}).get("due_by"), f"{source}: state {name}"),
                terminal=bool((spec or {}).get("terminal", False)),
                escalate_after=_escalation((spec or {}).get("escalation"), f"{source}: state {name}"),
            )
            for name, spec in dict(raw["states"]).items()
        }
        external = frozenset(_list(raw.get("external_steps")))
        actions = []
        for i, spec in enumerate(raw["actions"]):
            where = f"{source}: action #{i + 1} ({spec.get('name')})"
            kind = spec["kind"]
            if kind not in ACTION_KINDS:
                raise DefinitionError(f"{where}: kind {kind!r} is not one of {', '.join(ACTION_KINDS)}")
            action = ActionDef(
                name=spec["name"],
                kind=cast(ActionKind, kind),
                sources=tuple(_list(spec["from"])),
                dest=spec["to"],
                actors=tuple(_actor(a, where) for a in _list(spec.get("actors"))),
                guards=tuple(_list(spec.get("guards"))),
                effects=tuple(_list(spec.get("effects"))),
                needs_comment=bool(spec.get("needs_comment", kind in ("reject", "return"))),
                approval=bool(spec.get("approval", kind == "forward")),
                when={str(k): str(v) for k, v in dict(spec.get("when") or {}).items()},
                data=_fields(spec.get("data"), where),
                auto=spec.get("auto"),
                implied_by_proposer=bool(spec.get("implied_by_proposer", False)),
                external=spec["name"] in external,
            )
            for state in (*action.sources, action.dest):
                if state not in states:
                    raise DefinitionError(f"{where}: state {state!r} is not declared under states")
            for name in action.guards:
                if name not in guards:
                    raise DefinitionError(f"{where}: guard {name!r} is not a known guard")
            for name in action.effects:
                if name not in effects:
                    raise DefinitionError(f"{where}: effect {name!r} is not a known effect")
            for spec in action.data:
                if spec.name in action.when:
                    raise DefinitionError(f"{where}: data field {spec.name!r} is also the outcome key of when")
            if action.auto is not None and action.auto not in CONDITIONS:
                raise DefinitionError(f"{where}: auto {action.auto!r} is not one of {', '.join(CONDITIONS)}")
            actions.append(action)
        unknown_external = external - {a.name for a in actions}
        if unknown_external:
            raise DefinitionError(f"{source}: external_steps {sorted(unknown_external)} name no action")
        try:
            proposal = parse_proposal(
                raw["proposal"], f"{source}: proposal", actor=_actor, guards=guards, preconditions=preconditions
            )
        except SpecError as exc:
            raise DefinitionError(str(exc)) from None
        definition = Definition(
            kind=str(raw["kind"]),
            version=str(raw["version"]),
            title=str(raw.get("title", raw["kind"])),
            initial=str(raw["initial"]),
            states=states,
            actions=tuple(actions),
            proposal=proposal,
            decided_from=frozenset(_list(raw.get("decided_from"))),
            order=int(raw["order"]) if raw.get("order") is not None else None,
            summary=raw.get("summary"),
        )
    except KeyError as exc:
        raise DefinitionError(f"{source}: missing field {exc.args[0]!r}") from None
    if definition.initial not in states:
        raise DefinitionError(f"{source}: initial state {definition.initial!r} is not declared under states")
    for spec in definition.states.values():
        if not spec.terminal and not definition.actions_from(spec.name):
            raise DefinitionError(f"{source}: state {spec.name!r} is not terminal but no action leaves it")
    if (SLOT_GUARD in definition.guard_names()) != definition.proposal.holds_slot:
        raise DefinitionError(
            f"{source}: proposal.holds_slot is {definition.proposal.holds_slot}: a request holds a slot exactly "
            f"when its definition guards {SLOT_GUARD}, which counts the slots held"
        )
    dead_end = reachability.explain(definition, source)
    if dead_end is not None:
        raise DefinitionError(dead_end)
    return definition
