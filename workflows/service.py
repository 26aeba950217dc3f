"""The write path of workflows (DESIGN.md): every command is one transaction that stores all or nothing.

``act`` takes a step of a request; the ``propose_*`` commands (in ``workflows.proposals``) start one.
Each answers a ``CommandResult``: the request id, or the errors (``UserError``) that stopped it.

``act`` authorizes before it validates. A request outside the viewer's scope is NOT_FOUND in the words of
one that does not exist; a viewer with no right to take the action on this request at all (from any state)
is FORBIDDEN before anything about the request's state, version or last step is said. Both are audited.
Only then come the version check, the state (INVALID_TRANSITION, CONFLICT), segregation of duties and the
input, answered to someone who may take the step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies import read
from policies.viewer import Viewer
from server import one_statement
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.commands import CommandResult, run_command
from server.db import Database
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.models import WorkflowRequest
from workflows import authorize, engine, step_data
from workflows.definition import ActionDef
from workflows.loading import load, standing_of
from workflows.proposals import (
    propose_placement,
    propose_position_promotion,
    propose_rank_promotion,
    propose_training,
    propose_transfer,
    start_evaluation,
)
from workflows.steps import Loaded, StepActor, advance, refusal_entry, take_step

NO_SUCH_REQUEST = "request {} does not exist"

__all__ = [
    "CommandResult",
    "act",
    "propose_placement",
    "propose_position_promotion",
    "propose_rank_promotion",
    "propose_training",
    "propose_transfer",
    "start_evaluation",
]


def _not_possible(loaded: Loaded, action: str) -> UserError:
    """Why ``action`` cannot be taken from the request's state: a lost race, a decision taken, or no such step."""
    request, definition = loaded.request, loaded.definition
    if action == "withdraw" and request.state in definition.decided_from:
        return UserError(
            ErrorCode.INVALID_TRANSITION,
            f"request {request.id} can no longer be withdrawn: the decision has been taken (state {request.state})",
        )
    last_from = request.last_from_state
    if last_from is not None and any(a.name == action for a in definition.actions_from(last_from)):
        return UserError(
            ErrorCode.CONFLICT,
            f"request {request.id} moved from {last_from} to {request.state} (by {request.last_by}, version "
            f"{request.version}) before your {action.replace('_', ' ')}; reload it",
        )
    possible = sorted({a.name for a in definition.actions_from(request.state) if a.auto is None})
    return UserError(
        ErrorCode.INVALID_TRANSITION,
        f"{action} is not possible in state {request.state}; possible now: {', '.join(possible) or 'nothing'}",
    )


def _choose(loaded: Loaded, action: str, data: Mapping[str, Any]) -> ActionDef:
    request, definition = loaded.request, loaded.definition
    if request.terminal:
        raise CommandRefused(
            UserError(
                ErrorCode.INVALID_TRANSITION,
                f"request {request.id} is {request.state}; a finished request does not change",
            )
        )
    named = [a for a in definition.actions_from(request.state) if a.name == action]
    if not named:
        raise CommandRefused(_not_possible(loaded, action))
    chosen = engine.select_action(definition, request.state, action, data)
    if chosen is None:
        key = sorted({k for a in named for k in a.when})[0]
        values = ", ".join(sorted(a.when[key] for a in named if key in a.when))
        raise CommandRefused(
            validation(f"data.{key}", f"{action} needs data.{key}, one of {values}; got {data.get(key)!r}")
        )
    actors = definition.actors_of(chosen, request.state)
    if actors and all(a.system is not None for a in actors):
        raise CommandRefused(
            UserError(ErrorCode.FORBIDDEN, f"{action} is taken by the scheduler ({chosen.auto}), not by a person")
        )
    return chosen


def _unknown_request(viewer: Viewer, request_id: int, action: str, why: str) -> AuditedRefusal:
    """NOT_FOUND for ``request_id``, the same whether it does not exist or is outside the viewer's scope; the
    audit log (``after.reason``) says which."""
    error = UserError(ErrorCode.NOT_FOUND, NO_SUCH_REQUEST.format(request_id), "requestId")
    refusal = AuditedRefusal.of(
        viewer, error, action="request.refused", entity_type="request", entity_id=str(request_id), reason=why
    )
    # the fields every request.refused event has
    step: dict[str, Any] = {"action": action, "code": error.code.value, "rules": []}
    return AuditedRefusal(replace(refusal.entry, after={**(refusal.entry.after or {}), **step}), error)


def _no_right(loaded: Loaded, action: str, viewer: Viewer, standing: authorize.Standing) -> authorize.Refusal | None:
    """Why the viewer may not take ``action`` on this request from any state (route and policy; the state's own
    segregation checks come later), or None when some state would allow it. Said in words that do not depend
    on the request's state, so a refusal here tells nothing of where the request stands."""
    definition = loaded.definition
    candidates = [a for a in definition.actions if a.name == action]
    if any(authorize.permitted(definition, a, viewer, standing) for a in candidates):
        return None
    actors = [actor for a in candidates for source in a.sources for actor in definition.actors_of(a, source)]
    if actors and all(actor.system is not None for actor in actors):
        return authorize.Refusal("route", f"{action} is taken by the scheduler ({candidates[0].auto}), not by a person")
    for candidate in candidates:
        for source in candidate.sources:
            refusal = authorize.check(definition, candidate, source, viewer, standing)
            if refusal is not None:
                return refusal
    return authorize.Refusal("route", f"refused: {action} is for {authorize.describe(actors)}")


def _check_input(chosen: ActionDef, comment: str | None, data: Mapping[str, Any]) -> None:
    errors = []
    if chosen.needs_comment and not (comment or "").strip():
        errors.append(validation("comment", f"{chosen.name.replace('_', ' ')} needs a comment giving the reason"))
    errors += [
        validation(f"data.{key}", message)
        for key, message in step_data.problems(chosen.name, chosen.data, chosen.when, data)
    ]
    if errors:
        raise CommandRefused(*errors)


async def act(
    db: Database,
    viewer: Viewer,
    *,
    request_id: int,
    action: str,
    comment: str | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    data: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Take ``action`` on request ``request_id`` as ``viewer``, judged on ``today`` (default: today in Jakarta)."""
    day = today or today_in_jakarta()
    values = dict(data or {})
    payload = {
        "requestId": request_id,
        "action": action,
        "comment": comment,
        "expectedVersion": expected_version,
        "data": values,
    }

    stored: list[WorkflowRequest] = []

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        stored.clear()  # a body taken again in a transaction (``server.one_statement``) starts afresh
        # locked in a transaction; read without a lock when the step is one statement, whose version check
        # sends the command to a transaction if the request moved in between
        loaded = await load(session, request_id, lock=not one_statement.deferring(session))
        if loaded is None:
            raise _unknown_request(viewer, request_id, action, "no such request")
        standing = await standing_of(session, viewer, loaded, day, action=action)
        if not await read.may_read_request(session, viewer, request_id):
            raise _unknown_request(viewer, request_id, action, "outside the viewer's scope")
        request = loaded.request
        who = StepActor(str(viewer.user_id), sorted(viewer.roles))
        if action not in loaded.definition.action_names():
            names = ", ".join(sorted(loaded.definition.action_names()))
            raise CommandRefused(
                validation("action", f"{loaded.definition.version} has no action {action!r}; its actions: {names}")
            )
        no_right = _no_right(loaded, action, viewer, standing)
        if no_right is not None:
            error = UserError(ErrorCode.FORBIDDEN, f"{no_right.reason} (rule {no_right.rule})")
            raise AuditedRefusal(refusal_entry(loaded, who, action, [error], [no_right.rule]), error)
        if expected_version is not None and expected_version != request.version:
            raise CommandRefused(
                UserError(
                    ErrorCode.CONFLICT,
                    f"request {request_id} is at version {request.version}, not {expected_version}; reload it",
                    "expectedVersion",
                )
            )
        chosen = _choose(loaded, action, values)
        who = StepActor.of(
            viewer, authorize.acting_grant(loaded.definition.actors_of(chosen, request.state), viewer, standing)
        )
        refusal = authorize.check(loaded.definition, chosen, request.state, viewer, standing)
        if refusal is not None:
            error = UserError(ErrorCode.FORBIDDEN, f"{refusal.reason} (rule {refusal.rule})")
            raise AuditedRefusal(refusal_entry(loaded, who, action, [error], [refusal.rule]), error)
        _check_input(chosen, comment, values)
        entries = await take_step(session, loaded, chosen, actor=who, comment=comment, data=values, today=day)
        entries += await advance(session, loaded, by=who, today=day)
        stored.append(request)  # detached, and changed only as its saves stored it (``take_step``)
        return request_id, entries

    result = await run_command(
        db,
        viewer,
        command="act",
        payload=payload,
        idempotency_key=idempotency_key,
        body=body,
        entity_id=request_id,
        one_statement=True,
    )
    return replace(result, stored=stored[0]) if result.ok and stored else result
