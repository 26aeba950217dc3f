"""Starting requests: validate the input, check who may propose, record the rule versions, open the first tasks.

Authority comes first (DESIGN.md, "authorize, then validate"): ``workflows.proposal_authority`` finds the
subject and decides whether the viewer may propose this kind about them before anything about the subject
is checked or said. Then each ``propose_*`` command validates its input and fills a ``Proposal`` of its
kind for ``_start``, which is the same for every workflow: the proposal's guards, the request row, its
first tasks, the audit event and whatever follows by itself (a step the proposal already gives).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.domain.nip import normalize
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import Employee, Position, WorkflowRequest
from server.registry import queries as registry
from server.rules import RuleNotFound, rules_for
from workflows import active, authorize, catalog, facts, guards, repository
from workflows.proposal_authority import Authority, authority_to_propose, refusal_entry
from workflows.rule_errors import guard_error
from workflows.steps import Actor, Loaded, advance, now, task_rows

AUTO_RULES = {"objection_window_closed": "evaluation.objection_window"}


@dataclass
class Proposal:
    kind: str
    subject: Employee
    effective_date: dt.date
    position: Position | None = None
    origin_position: Position | None = None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


Prepare = Callable[[AsyncSession, Authority], Awaitable[Proposal]]


def _not_found(field_name: str, message: str) -> CommandRefused:
    return CommandRefused(UserError(ErrorCode.NOT_FOUND, message, field_name))


async def _position(session: AsyncSession, code: str, field_name: str) -> Position:
    position = await registry.position_by_code(session, code)
    if position is None:
        raise _not_found(field_name, f"no position has code {code!r}")
    return position


def _rule_versions(proposal: Proposal) -> dict[str, str]:
    definition = catalog.current(proposal.kind)
    names = {rule for g in definition.guard_names() for rule in guards.GUARDS[g].rules}
    names.update(AUTO_RULES[a.auto] for a in definition.actions if a.auto in AUTO_RULES)
    try:
        return {name: rules_for(name, proposal.effective_date).version_id for name in sorted(names)}
    except RuleNotFound as exc:
        raise CommandRefused(validation("effectiveDate", f"effectiveDate {proposal.effective_date}: {exc}")) from None


async def _start(
    session: AsyncSession, viewer: Viewer, proposal: Proposal, authority: Authority, today: dt.date
) -> tuple[int, list[AuditEntry]]:
    definition = catalog.current(proposal.kind)
    subject = proposal.subject
    origin = proposal.origin_position or authority.current
    request_unit = proposal.position.unit_id if proposal.position else (origin.unit_id if origin else None)
    origin_unit = origin.unit_id if origin else None
    units, standing, capacity = authority.units, authority.standing, authority.capacity
    who = Actor(str(viewer.user_id), sorted(viewer.roles))
    stamp = now()
    values: dict[str, Any] = {
        "kind": proposal.kind,
        "state": definition.initial,
        "version": 1,
        "terminal": False,
        "definition_version": definition.version,
        "subject_employee_id": subject.id,
        "unit_id": request_unit,
        "position_id": proposal.position.id if proposal.position else None,
        "origin_position_id": origin.id if origin and proposal.kind in ("TRANSFER", "TRANSFER_OUT") else None,
        "origin_unit_id": origin_unit or None,
        "effective_date": proposal.effective_date,
        "proposed_by": str(viewer.user_id),
        "reason": proposal.reason,
        "data": {**proposal.data, "proposer": viewer.person},
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
        raise AuditedRefusal(entry, *errors)
    implied = authorize.implied_steps(definition, viewer, standing)
    if implied:
        request.data = {**request.data, "implied": sorted(set(implied))}
        values["data"] = request.data
    request.id = await repository.insert_request(session, values)
    await repository.add_tasks(session, await task_rows(session, loaded, definition.initial, today, stamp))
    who = Actor.of(viewer, authorize.acting_grant([capacity], viewer, standing) if capacity else None)
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


async def _propose(
    db: Database,
    viewer: Viewer,
    *,
    command: str,
    kind: str,
    payload: dict[str, Any],
    employee_nip: str,
    prepare: Prepare,
    idempotency_key: str | None,
    today: dt.date,
    position: tuple[str, str] | None = None,
) -> CommandResult:
    """``position``: the (code, field) of the position the proposal names; positions are public, so an unknown
    code is answered before the subject is looked at, the same for every subject."""

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        named = await _position(session, *position) if position is not None else None
        authority = await authority_to_propose(session, viewer, kind, employee_nip, named, today)
        _active(authority.subject)
        proposal = await prepare(session, authority)
        return await _start(session, viewer, proposal, authority, today)

    return await run_command(db, viewer, command=command, payload=payload, idempotency_key=idempotency_key, body=body)


def _active(subject: Employee) -> None:
    """Requests are about active employees only (``workflows.active``)."""
    why = active.inactive(subject)
    if why is not None:
        raise CommandRefused(validation("employeeNip", f"{why}: requests are only about active employees"))


def _future(effective_date: dt.date, today: dt.date) -> None:
    if effective_date < today:
        raise CommandRefused(
            validation("effectiveDate", f"effectiveDate {effective_date} is in the past (today is {today})")
        )


async def _no_open(session: AsyncSession, subject: Employee, *kinds: str) -> None:
    """One unfinished request of a kind per person. The other request's id is not named: the proposer may
    have the right to propose without the right to read that request (a target unit's head)."""
    found = await repository.open_request_of(session, kinds, subject.id)
    if found is not None:
        kind = found[1].lower().replace("_", " ")
        raise CommandRefused(
            validation(
                "employeeNip",
                f"{subject.name} already has an unfinished {kind} request; propose again once it is decided or withdrawn",
            )
        )


async def _transfer_origin(session: AsyncSession, authority: Authority, day: dt.date) -> Position:
    """The post a transfer (within or out of Jakarta) starts from; one unfinished transfer at a time."""
    origin, subject = authority.current, authority.subject
    if origin is None:
        raise CommandRefused(validation("employeeNip", f"{subject.name} holds no post on {day} to transfer from"))
    await _no_open(session, subject, "TRANSFER", "TRANSFER_OUT")
    return origin


async def propose_placement(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    position_code: str,
    effective_date: dt.date,
    reason: str | None = None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        _future(effective_date, day)
        await _no_open(session, authority.subject, "PLACEMENT")
        return Proposal("PLACEMENT", authority.subject, effective_date, position=authority.position, reason=reason)

    payload = {
        "employeeNip": normalize(employee_nip),
        "positionCode": position_code,
        "effectiveDate": effective_date,
        "reason": reason,
    }
    return await _propose(
        db,
        viewer,
        command="proposePlacement",
        kind="PLACEMENT",
        position=(position_code, "positionCode"),
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def propose_transfer(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    target_position_code: str,
    effective_date: dt.date,
    reason: str | None = None,
    exception_reason: str | None = None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Submit a transfer; ``exception_reason`` allows it before the minimum years in post (recorded as a warning)."""
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        subject, target = authority.subject, authority.position
        assert target is not None
        _future(effective_date, day)
        origin = await _transfer_origin(session, authority, day)
        if origin.id == target.id:
            raise CommandRefused(validation("targetPositionCode", f"{subject.name} already holds {target.code}"))
        data = {"exceptionReason": exception_reason} if exception_reason else {}
        return Proposal(
            "TRANSFER", subject, effective_date, position=target, origin_position=origin, reason=reason, data=data
        )

    payload = {
        "employeeNip": normalize(employee_nip),
        "targetPositionCode": target_position_code,
        "effectiveDate": effective_date,
        "reason": reason,
        "exceptionReason": exception_reason,
    }
    return await _propose(
        db,
        viewer,
        command="proposeTransfer",
        kind="TRANSFER",
        position=(target_position_code, "targetPositionCode"),
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def propose_transfer_out(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    destination: str,
    effective_date: dt.date,
    reason: str | None = None,
    exception_reason: str | None = None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Submit a transfer out of Jakarta to ``destination`` (the receiving province or agency, outside the registry)."""
    day = today or today_in_jakarta()
    where = " ".join(destination.split())

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        if not 3 <= len(where) <= 200:
            raise CommandRefused(
                validation("destination", f"destination {destination!r} must name the receiving province or agency")
            )
        _future(effective_date, day)
        origin = await _transfer_origin(session, authority, day)
        data = {"destination": where, **({"exceptionReason": exception_reason} if exception_reason else {})}
        return Proposal(
            "TRANSFER_OUT", authority.subject, effective_date, origin_position=origin, reason=reason, data=data
        )

    payload = {
        "employeeNip": normalize(employee_nip),
        "destination": where,
        "effectiveDate": effective_date,
        "reason": reason,
        "exceptionReason": exception_reason,
    }
    return await _propose(
        db,
        viewer,
        command="proposeTransferOut",
        kind="TRANSFER_OUT",
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def propose_rank_promotion(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    effective_date: dt.date,
    reason: str | None = None,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Propose a regular rank promotion effective on a promotion period (the periods in force on that date)."""
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        subject = authority.subject
        _future(effective_date, day)
        if subject.employment_type != "PNS" or subject.rank_code is None:
            raise CommandRefused(
                validation("employeeNip", f"{subject.name} is {subject.employment_type} without a rank")
            )
        await _no_open(session, subject, "RANK_PROMOTION")
        return Proposal("RANK_PROMOTION", subject, effective_date, reason=reason, data={"fromRank": subject.rank_code})

    payload = {"employeeNip": normalize(employee_nip), "effectiveDate": effective_date, "reason": reason}
    return await _propose(
        db,
        viewer,
        command="proposeRankPromotion",
        kind="RANK_PROMOTION",
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def propose_position_promotion(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    position_code: str,
    effective_date: dt.date,
    reason: str | None = None,
    talent_box: int | None = None,
    assessment_passed: bool = False,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Propose a promotion to a higher position, from talent box ``talent_box`` (1-9) or a passed assessment."""
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        _future(effective_date, day)
        if talent_box is not None and not 1 <= talent_box <= 9:
            raise CommandRefused(
                validation("talentBox", f"talentBox {talent_box} is not a box of the nine-box grid (1-9)")
            )
        await _no_open(session, authority.subject, "POSITION_PROMOTION")
        data = {"talentBox": talent_box, "assessmentPassed": assessment_passed}
        return Proposal(
            "POSITION_PROMOTION",
            authority.subject,
            effective_date,
            position=authority.position,
            reason=reason,
            data=data,
        )

    payload = {
        "employeeNip": normalize(employee_nip),
        "positionCode": position_code,
        "effectiveDate": effective_date,
        "reason": reason,
        "talentBox": talent_box,
        "assessmentPassed": assessment_passed,
    }
    return await _propose(
        db,
        viewer,
        command="proposePositionPromotion",
        kind="POSITION_PROMOTION",
        position=(position_code, "positionCode"),
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def start_evaluation(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    year: int,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Open the yearly evaluation (SKP) of ``year`` for the employee; judged by the rules of 31 December."""
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        subject = authority.subject
        if not 2000 <= year <= day.year + 1:
            raise CommandRefused(validation("year", f"year {year} must be between 2000 and {day.year + 1}"))
        if await repository.evaluation_of_year(session, subject.id, year) is not None:
            raise CommandRefused(validation("year", f"{subject.name} already has the {year} evaluation"))
        final = await facts.final_predicate(session, subject.id, year)
        if final is not None:
            raise CommandRefused(
                validation(
                    "year",
                    f"{subject.name}'s {year} evaluation is final ({final}) and is not evaluated again; "
                    "BKD corrects a final evaluation with correctEvaluation, giving the reason",
                )
            )
        return Proposal("EVALUATION", subject, dt.date(year, 12, 31), data={"year": year})

    payload = {"employeeNip": normalize(employee_nip), "year": year}
    return await _propose(
        db,
        viewer,
        command="startEvaluation",
        kind="EVALUATION",
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )


async def propose_training(
    db: Database,
    viewer: Viewer,
    *,
    employee_nip: str,
    title: str,
    hours: int,
    date: dt.date,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Request a training (``hours`` planned; the claim later states the hours on the certificate)."""
    day = today or today_in_jakarta()

    async def prepare(session: AsyncSession, authority: Authority) -> Proposal:
        errors = []
        if not title.strip():
            errors.append(validation("title", "title must not be empty"))
        claim = rules_for("training.claim", day)
        if not 0 < hours <= claim.int("max_hours"):
            errors.append(validation("hours", f"hours {hours} must be between 1 and {claim.int('max_hours')}", claim))
        if errors:
            raise CommandRefused(*errors)
        data = {"title": title.strip(), "hours": hours, "date": date.isoformat()}
        return Proposal("TRAINING", authority.subject, date, data=data)

    payload = {"employeeNip": normalize(employee_nip), "title": title, "hours": hours, "date": date}
    return await _propose(
        db,
        viewer,
        command="proposeTraining",
        kind="TRAINING",
        payload=payload,
        employee_nip=employee_nip,
        prepare=prepare,
        idempotency_key=idempotency_key,
        today=day,
    )
