"""Taking one step of a request inside the caller's transaction: guards, the machine, effects, tasks, audit.

``advance`` then takes the steps that follow by themselves: a step the proposer's own proposal already
gave (a unit head who submits a transfer releases it), and the scheduler's step once its condition holds
(a decree whose effective date has come takes effect at once).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.relations import supervisors_of
from policies.viewer import Grant, Viewer
from server import one_statement
from server.audit.writer import AuditEntry
from server.clock import JAKARTA, utcnow
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError
from server.models import Employee, Position, WorkflowRequest
from server.registry import queries as registry
from workflows import active, conditions, engine, guards, repository
from workflows.authorize import Standing, UnitRef
from workflows.context import StepContext
from workflows.definition import ActionDef, Definition, StateDef
from workflows.effects import EFFECTS, EffectFailed
from workflows.rule_errors import guard_error

SYSTEM = "system"


@dataclass
class Loaded:
    """A request with everything its steps read: definition, subject, positions and units."""

    request: WorkflowRequest
    definition: Definition
    subject: Employee
    position: Position | None
    origin_position: Position | None
    units: dict[str, UnitRef] = field(default_factory=dict)
    approvals: dict[str, str] = field(default_factory=dict)
    """Person -> the approval step they took (``request_approvals``), kept current as steps are taken."""

    def standing(self, relations: frozenset[str]) -> Standing:
        return Standing.of(
            relations, self.units, self.request.proposed_by, self.request.proposer_person, self.approvals
        )

    def context(self, session: AsyncSession, today: dt.date, data: Mapping[str, Any]) -> StepContext:
        return StepContext(session, self.request, self.subject, self.position, self.origin_position, today, data)


@dataclass(frozen=True)
class StepActor:
    """Who takes a step, for the audit log and segregation of duties.

    ``person`` is who they are (``Viewer.person``: the NIP of a civil servant); ``acting`` the capacity
    when they act by a Plt/Plh or delegated grant, with ``on_behalf_of`` the delegator (or, for an acting
    official, the office: ``unit_head@KEL-GAMBIR-01``).
    """

    user_id: str
    roles: Sequence[str] = ()
    on_behalf_of: str | None = None
    person: str | None = None
    acting: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, viewer: Viewer, grant: Grant | None = None) -> StepActor:
        """``viewer`` acting in their own right, or by ``grant`` (an acting or delegated one)."""
        if grant is None or grant.acting is None:
            return cls(str(viewer.user_id), sorted(viewer.roles), person=viewer.person)
        office = f"{grant.role}@{grant.unit_code or 'province'}"
        acting = {"kind": grant.acting, "role": grant.role, "unitCode": grant.unit_code, "grantId": grant.id}
        if grant.acting == "delegation":
            acting["delegatedBy"] = grant.granted_by
        behalf = grant.granted_by if grant.acting == "delegation" else office
        return cls(str(viewer.user_id), sorted(viewer.roles), behalf, viewer.person, acting)


def refusal_entry(
    loaded: Loaded, actor: StepActor, action: str, errors: Sequence[UserError], rules: Sequence[str]
) -> AuditEntry:
    request = loaded.request
    return AuditEntry(
        actor=actor.user_id,
        actor_roles=actor.roles,
        on_behalf_of=actor.on_behalf_of,
        action="request.refused",
        entity_type="request",
        entity_id=str(request.id),
        request_id=request.id,
        from_state=request.state,
        to_state=request.state,
        comment="; ".join(e.message for e in errors),
        after={"action": action, "code": errors[0].code.value, "rules": list(rules)},
        definition_version=loaded.definition.version,
        rule_versions=request.rule_versions,
    )


def due_date(spec: StateDef, request: WorkflowRequest, today: dt.date) -> dt.date | None:
    """When a step's task falls due: its fixed deadline in the request's year while that is still ahead
    (the evaluation plan: set by 31 January of the evaluated year), else ``due_days`` from today (a late
    start, e.g. someone who joined in March, gets the usual period), else never."""
    if spec.due_by is not None:
        year = int((request.data or {}).get("year") or (request.effective_date or today).year)
        month, day = spec.due_by
        deadline = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if deadline >= today:
            return deadline
    return today + dt.timedelta(days=spec.due_days) if spec.due_days is not None else None


async def task_rows(
    session: AsyncSession, loaded: Loaded, state: str, today: dt.date, opened: dt.datetime
) -> list[dict[str, Any]]:
    """The tasks of ``state``: one per owner (a role over a unit, or the person a relation names)."""
    spec = loaded.definition.states[state]
    request = loaded.request
    due_day = due_date(spec, request, today)
    # 23:59 in Jakarta, stored in UTC: SQLite keeps no offset, so a Jakarta time would read back 7 hours late.
    due = (
        dt.datetime.combine(due_day, dt.time(23, 59), tzinfo=JAKARTA).astimezone(dt.UTC)
        if due_day is not None
        else None
    )
    rows = []
    supervisors: tuple[int | None, int | None] | None = None
    for owner in spec.owners:
        row: dict[str, Any] = {
            "request_id": request.id,
            "step": state,
            "due_at": due,
            "opened_at": opened,
            "unit_id": (loaded.units.get(owner.unit) or UnitRef(None, None, None)).id,
            "assignee_user_id": None,
        }
        if owner.system is not None:
            continue
        if owner.role is not None:
            row["role"] = owner.role
        elif owner.relation == "proposer":
            row.update(role="proposer", assignee_user_id=request.proposed_by)
        elif owner.relation == "self":
            row.update(role="self", assignee_user_id=loaded.subject.nip)
        else:
            if supervisors is None:
                supervisors = await supervisors_of(session, loaded.subject.id, today)
            person = supervisors[0] if owner.relation == "supervisor" else supervisors[1]
            row.update(role=str(owner.relation))
            if person is not None:
                row["assignee_user_id"] = await registry.employee_nip(session, person)
        rows.append(row)
    return rows


async def take_step(
    session: AsyncSession,
    loaded: Loaded,
    action: ActionDef,
    *,
    actor: StepActor,
    comment: str | None,
    data: Mapping[str, Any],
    today: dt.date,
    note: str | None = None,
) -> list[AuditEntry]:
    """Guards, fire, effects, tasks and the versioned save of one step; the audit entries to append."""
    request, definition = loaded.request, loaded.definition
    from_state, version = request.state, request.version
    ctx = loaded.context(session, today, data)
    stopped = active.moves_forward_refused(loaded.subject, action)
    if stopped is not None:
        error = UserError(ErrorCode.GUARD_FAILED, stopped, active.RULE)
        raise AuditedRefusal(refusal_entry(loaded, actor, action.name, [error], [active.RULE]), error)
    results = await guards.evaluate(action.guards, ctx)
    failed = [r for r in results if r.refuses]
    if failed:
        errors = [guard_error(r) for r in failed]
        entry = refusal_entry(loaded, actor, action.name, errors, [r.guard for r in failed])
        raise AuditedRefusal(entry, *errors)
    to_state = engine.fire(definition, from_state, action.name, data)
    stored = {spec.name: data[spec.name] for spec in action.data if spec.name in data}
    if action.when:
        stored.update({key: data[key] for key in action.when})
    request.data = {**request.data, **stored}
    request.last_action, request.last_from_state, request.last_by = action.name, from_state, actor.user_id
    approvers = _approvers(action, actor)
    if action.effects:
        one_statement.needs_transaction(session, "a step with effects")  # they write through the unit of work
    try:
        changes = [change for name in action.effects for change in await EFFECTS[name](ctx)]
    except EffectFailed as failure:
        error = UserError(ErrorCode.GUARD_FAILED, f"{failure.effect}: {failure}", failure.effect)
        raise AuditedRefusal(refusal_entry(loaded, actor, action.name, [error], [failure.effect]), error) from None
    request.state = to_state
    request.terminal = definition.states[to_state].terminal
    if action.effects and request.terminal:
        request.effects_applied = True
    stamp = utcnow()
    tasks = [] if request.terminal else await task_rows(session, loaded, to_state, today, stamp)
    writes = repository.StepWrites(step=action.name, by=actor.user_id, approvers=approvers, tasks=tasks)
    if not await repository.store_step(session, request, version, stamp, writes):
        raise CommandRefused(
            UserError(ErrorCode.CONFLICT, f"request {request.id} changed while you acted on it; reload it and retry")
        )
    request.version, request.updated_at = version + 1, stamp  # the row as stored: the payload answers from it
    for person in approvers:
        loaded.approvals.setdefault(person, action.name)  # a person's first approval step is the one kept
    warnings = [f"{r.guard}: {r.message}" for r in results if r.warns]
    base = AuditEntry(
        actor=actor.user_id,
        actor_roles=actor.roles,
        on_behalf_of=actor.on_behalf_of,
        request_id=request.id,
        definition_version=definition.version,
        rule_versions=request.rule_versions,
        action=f"request.{action.name}",
        entity_type="request",
        entity_id=str(request.id),
        from_state=from_state,
        to_state=to_state,
    )
    entries = [
        replace(
            base,
            comment="\n".join(x for x in (comment, note) if x) or None,
            before={"state": from_state, "version": version},
            after={
                "state": to_state,
                "version": request.version,
                "kind": action.kind,
                "data": stored,
                "guards": {r.guard: r.rule_version for r in results},
                "warnings": warnings,
                **({"acting": dict(actor.acting)} if actor.acting else {}),
            },
        )
    ]
    entries.extend(
        replace(base, action=c.action, entity_type=c.entity_type, entity_id=c.entity_id, before=c.before, after=c.after)
        for c in changes
    )
    return entries


def _approvers(action: ActionDef, actor: StepActor) -> list[str]:
    """The persons an approval step counts for: the actor, and a delegate's delegator too."""
    if not action.approval:
        return []
    persons = [actor.person or actor.user_id]
    if actor.acting and actor.acting.get("kind") == "delegation" and actor.on_behalf_of:
        persons.append(actor.on_behalf_of)
    return list(dict.fromkeys(persons))


def auto_ready(loaded: Loaded, action: ActionDef, today: dt.date) -> bool:
    """Whether the scheduler's condition of ``action`` holds today (``workflows.conditions``)."""
    return action.auto is not None and conditions.holds(action.auto, loaded.request, today)


def _may_imply(loaded: Loaded, action: ActionDef, proposer: StepActor) -> bool:
    """An implied step is the proposer's approval: given only while it is the one approval step they take
    (a request stored when a proposal could imply two gives the second to its owner's inbox instead)."""
    taken = loaded.approvals.get(str(proposer.person))
    return taken is None or taken == action.name


async def advance(session: AsyncSession, loaded: Loaded, *, by: StepActor, today: dt.date) -> list[AuditEntry]:
    """Take the steps that follow by themselves from the request's state, until none does."""
    entries: list[AuditEntry] = []
    request = loaded.request
    implied = set(request.implied_steps or ())
    proposer = by if by.user_id == request.proposed_by else StepActor(request.proposed_by, by.roles)
    proposer = replace(proposer, person=request.proposer_person or proposer.person or request.proposed_by)
    while not loaded.request.terminal:
        follow = None
        for action in loaded.definition.actions_from(loaded.request.state):
            if action.implied_by_proposer and action.name in implied and _may_imply(loaded, action, proposer):
                follow = (action, proposer, "given with the proposal")
                break
            if action.auto is not None and auto_ready(loaded, action, today):
                follow = (
                    action,
                    StepActor(SYSTEM, (), by.user_id if by.user_id != SYSTEM else None),
                    f"{action.auto.replace('_', ' ')}",
                )
                break
        if follow is None:
            return entries
        action, actor, note = follow
        entries += await take_step(session, loaded, action, actor=actor, comment=None, data={}, today=today, note=note)
    return entries
