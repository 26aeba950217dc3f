"""Starting requests: one command for every workflow, read from the definition's ``proposal:`` section.

Authority comes first (DESIGN.md, "authorize, then validate"): ``workflows.proposal_authority`` finds the
subject and decides whether the viewer may propose this kind about them before anything about the subject
is checked or said. Then ``propose`` fills a ``ProposalDraft`` from the input as the definition's
``ProposalSpec`` says (position, effective date, data), runs its named preconditions
(``workflows.preconditions``) and hands the draft to ``_start``: the proposal's guards, the request row,
its first tasks, the audit event and whatever follows by itself (a step the proposal already gives).
The GraphQL mutations and inputs are generated from the same sections (``schema.proposal_api``).
A definition whose proposal is about a position (``subject: position``, a formasi change) names the
position by ``positionCode``; the authority is then ``authority_over_position`` and the subject the proposer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta, utcnow
from server.commands import CommandResult, run_command
from server.db import Database
from server.domain.nip import normalize
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Employee, Position, WorkflowRequest
from server.registry import queries as registry
from server.rules import RuleNotFound, rules_for
from server.sql import is_postgres
from workflows import active, authorize, catalog, guards, repository
from workflows.conditions import CONDITIONS
from workflows.preconditions import PRECONDITIONS, ProposalContext, ProposalDraft
from workflows.proposal_authority import Authority, authority_over_position, authority_to_propose, refusal_entry
from workflows.proposal_spec import ProposalSpec
from workflows.rule_errors import guard_error
from workflows.steps import Loaded, StepActor, advance, task_rows

ProposeCommand = Callable[..., Awaitable[CommandResult]]


def _not_found(field_name: str, message: str) -> CommandRefused:
    return CommandRefused(UserError(ErrorCode.NOT_FOUND, message, field_name))


async def _position(session: AsyncSession, code: str, field_name: str, *, lock: bool = False) -> Position:
    """The position ``code`` names; ``lock``: its row, on PostgreSQL, until commit (two quota changes of one
    position queue up, so "no unfinished quota change" sees the other)."""
    if lock and is_postgres(session):
        query = select(Position).where(Position.code == code).with_for_update()
        position = (await session.execute(query)).scalar_one_or_none()
    else:
        position = await registry.position_by_code(session, code)
    if position is None:
        raise _not_found(field_name, f"no position has code {code!r}")
    return position


def _rule_versions(proposal: ProposalDraft) -> dict[str, str]:
    definition = catalog.current(proposal.kind)
    names = {rule for g in definition.guard_names() for rule in guards.GUARDS[g].rules}
    names.update(str(CONDITIONS[a.auto].rule) for a in definition.actions if a.auto and CONDITIONS[a.auto].rule)
    try:
        return {name: rules_for(name, proposal.effective_date).version_id for name in sorted(names)}
    except RuleNotFound as exc:
        raise CommandRefused(validation("effectiveDate", f"effectiveDate {proposal.effective_date}: {exc}")) from None


async def _start(
    session: AsyncSession, viewer: Viewer, proposal: ProposalDraft, authority: Authority, today: dt.date
) -> tuple[int, list[AuditEntry]]:
    definition = catalog.current(proposal.kind)
    subject = proposal.subject
    origin = proposal.origin_position or authority.current
    request_unit = proposal.position.unit_id if proposal.position else (origin.unit_id if origin else None)
    origin_unit = origin.unit_id if origin else None
    about_position = definition.proposal.subject == "position"
    if about_position:  # its officials route and read it: the request's unit is also its origin unit
        origin_unit = request_unit
    units, standing, capacity = authority.units, authority.standing, authority.capacity
    who = StepActor(str(viewer.user_id), sorted(viewer.roles))
    stamp = utcnow()
    values: dict[str, Any] = {
        "kind": proposal.kind,
        "state": definition.initial,
        "version": 1,
        "terminal": False,
        "definition_version": definition.version,
        "subject_employee_id": subject.id,
        "unit_id": request_unit,
        "position_id": proposal.position.id if proposal.position and not about_position else None,
        "subject_position_id": proposal.position.id if proposal.position and about_position else None,
        "origin_position_id": proposal.origin_position.id if proposal.origin_position else None,
        "origin_unit_id": origin_unit or None,
        "effective_date": proposal.effective_date,
        "proposed_by": str(viewer.user_id),
        "reason": proposal.reason,
        "data": dict(proposal.data),
        "proposer_person": viewer.person,
        "rule_versions": _rule_versions(proposal),
        "effects_applied": False,
        "created_at": stamp,
        "updated_at": stamp,
    }
    request = WorkflowRequest(**values)
    loaded = Loaded(request, definition, subject, proposal.position, origin, units)
    results = await guards.evaluate(definition.proposal.guards, loaded.context(session, today, {}))
    failed = [r for r in results if r.refuses]
    if failed:
        errors = [guard_error(r) for r in failed]
        entry = refusal_entry(who, proposal.kind, subject.nip, definition.version, errors, [r.guard for r in failed])
        if about_position and proposal.position is not None:
            entry = replace(entry, entity_type="position", entity_id=proposal.position.code)
        raise AuditedRefusal(entry, *errors)
    implied = authorize.implied_steps(definition, viewer, standing)
    if implied:
        request.implied_steps = values["implied_steps"] = sorted(set(implied))
    request.id = await repository.insert_request(session, values)
    await repository.add_tasks(session, await task_rows(session, loaded, definition.initial, today, stamp))
    who = StepActor.of(viewer, authorize.acting_grant([capacity], viewer, standing) if capacity else None)
    entry = AuditEntry(
        actor=who.user_id,
        actor_roles=who.roles,
        on_behalf_of=who.on_behalf_of,
        action=f"request.{definition.proposal.action}",
        entity_type="request",
        entity_id=str(request.id),
        request_id=request.id,
        to_state=definition.initial,
        comment=proposal.reason,
        after={
            "kind": proposal.kind,
            "subject": subject.nip,
            "position": proposal.position.code if proposal.position else None,
            "effective_date": proposal.effective_date,
            "capacity": capacity.label() if capacity else None,
            "data": request.data,
            "warnings": [f"{r.guard}: {r.message}" for r in results if r.warns],
            **({"acting": dict(who.acting)} if who.acting else {}),
        },
        definition_version=definition.version,
        rule_versions=request.rule_versions,
    )
    return request.id, [entry, *await advance(session, loaded, by=who, today=today)]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _inputs(spec: ProposalSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """The command's input by API name, defaults filled in; a name the definition does not declare, or a
    required one missing, is a programming error (GraphQL checks both before a resolver runs)."""
    values = {_camel(k): v for k, v in given.items()}
    unknown = set(values) - {f.name for f in spec.inputs}
    if unknown:
        raise TypeError(f"unexpected inputs {sorted(unknown)}")
    for f in spec.inputs:
        if f.name not in values:
            if f.required:
                raise TypeError(f"missing input {f.name!r}")
            values[f.name] = f.default
    return values


def _stored(value: Any) -> Any:
    """An input as the request's data keeps it: strings with their whitespace collapsed, dates as ISO text."""
    if isinstance(value, str):
        return " ".join(value.split())
    return value.isoformat() if isinstance(value, dt.date) else value


def _draft(
    kind: str, spec: ProposalSpec, inputs: Mapping[str, Any], subject: Employee, named: Position | None, day: dt.date
) -> ProposalDraft:
    """The request as the input gives it; effective on the date input, 31 December of the year input, or ``day``."""
    when = spec.effective_date
    effective: dt.date = day
    if when.input is not None:
        effective = inputs[when.input]
    elif when.year_end_of is not None:
        effective = dt.date(int(inputs[when.year_end_of]), 12, 31)
    reason = inputs.get("reason")
    data = {name: _stored(inputs[name]) for name in spec.data if inputs.get(name) not in (None, "")}
    return ProposalDraft(
        kind,
        subject,
        effective,
        position=named,
        reason=" ".join(reason.split()) if isinstance(reason, str) else None,
        data=data,
    )


async def propose(
    db: Database,
    viewer: Viewer,
    kind: str,
    input: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Start a request of ``kind`` from ``input`` (the command's keyword arguments, e.g. ``employee_nip``).

    A position the proposal names is looked up first: positions are public, so an unknown code is answered
    before the subject is looked at, the same for every subject. A proposal about a position (``subject:
    position``, a formasi change) records the proposer's own employee record as its subject and the position
    as ``subject_position_id`` (``workflows.proposal_authority.authority_over_position``)."""
    day = today or today_in_jakarta()
    spec = catalog.current(kind).proposal
    if spec.command is None:
        raise TypeError(f"{kind} declares no proposal command")
    inputs = _inputs(spec, input)
    payload = dict(inputs)  # what an idempotent retry must send again
    if spec.subject == "employee":
        payload["employeeNip"] = normalize(str(inputs["employeeNip"]))

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        if spec.subject == "position":  # the subject is the proposer (docs/decisions.md, "Formasi requests")
            about = await _position(session, str(inputs[spec.subject_input]), spec.subject_input, lock=True)
            authority = await authority_over_position(session, viewer, kind, about, day)
        else:
            named = await _position(session, str(inputs[spec.position]), spec.position) if spec.position else None
            authority = await authority_to_propose(session, viewer, kind, str(inputs["employeeNip"]), named, day)
            _active(authority.subject)
        draft = _draft(kind, spec, inputs, authority.subject, authority.position, day)
        ctx = ProposalContext(session, spec, authority, inputs, draft, day)
        for check in spec.preconditions:
            await PRECONDITIONS[check.name](ctx, check.args)
        return await _start(session, viewer, draft, authority, day)

    command = spec.command.mutation
    return await run_command(db, viewer, command=command, payload=payload, idempotency_key=idempotency_key, body=body)


def command(kind: str) -> ProposeCommand:
    """``propose`` for one kind, taking the input as keyword arguments (``propose_placement(db, viewer,
    employee_nip=..., position_code=..., effective_date=...)``)."""

    async def run(
        db: Database, viewer: Viewer, *, idempotency_key: str | None = None, today: dt.date | None = None, **input: Any
    ) -> CommandResult:
        return await propose(db, viewer, kind, input, idempotency_key=idempotency_key, today=today)

    run.__name__ = run.__qualname__ = f"propose_{kind.lower()}"
    return run


def _active(subject: Employee) -> None:
    """Requests are about active employees only (``workflows.active``)."""
    why = active.inactive(subject)
    if why is not None:
        raise CommandRefused(validation("employeeNip", f"{why}: requests are only about active employees"))


# The commands by their names of old (the API keeps its mutations; the tests and the CLI call these).
propose_placement = command("PLACEMENT")
propose_transfer = command("TRANSFER")
propose_transfer_out = command("TRANSFER_OUT")
propose_rank_promotion = command("RANK_PROMOTION")
propose_position_promotion = command("POSITION_PROMOTION")
start_evaluation = command("EVALUATION")
propose_training = command("TRAINING")
