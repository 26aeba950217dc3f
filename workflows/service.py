"""The write path of workflows (DESIGN.md): every command is one transaction that stores all or nothing.

``act`` takes a step of a request; the ``propose_*`` commands (in ``workflows.proposals``) start one.
Each answers a ``CommandResult``: the request id, or the errors (``UserError``) that stopped it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies import read
from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.clock import today_in_jakarta
from server.db import Database
from workflows import authorize, engine
from workflows.commands import CommandResult, run_command
from workflows.definition import ActionDef
from workflows.errors import CommandRefused, ErrorCode, UserError, validation
from workflows.loading import load, standing_of
from workflows.proposals import (
    propose_placement,
    propose_position_promotion,
    propose_rank_promotion,
    propose_training,
    propose_transfer,
    start_evaluation,
)
from workflows.steps import Actor, AuditedRefusal, Loaded, advance, refusal_entry, take_step

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
    last = request.data.get("lastStep") or {}
    if last and any(a.name == action for a in definition.actions_from(str(last.get("from")))):
        return UserError(
            ErrorCode.CONFLICT,
            f"request {request.id} moved from {last['from']} to {last['to']} (by {last['by']}, version "
            f"{last['version']}) before your {action.replace('_', ' ')}; reload it",
        )
    possible = sorted({a.name for a in definition.actions_from(request.state) if a.auto is None})
    return UserError(
        ErrorCode.INVALID_TRANSITION,
        f"{action} is not possible in state {request.state}; possible now: {', '.join(possible) or 'nothing'}",
    )


def _choose(loaded: Loaded, action: str, data: Mapping[str, Any]) -> ActionDef:
    request, definition = loaded.request, loaded.definition
    if action not in definition.action_names():
        names = ", ".join(sorted(definition.action_names()))
        raise CommandRefused(
            validation("action", f"{definition.version} has no action {action!r}; its actions: {names}")
        )
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


def _check_input(chosen: ActionDef, comment: str | None, data: Mapping[str, Any]) -> None:
    errors = []
    if chosen.needs_comment and not (comment or "").strip():
        errors.append(validation("comment", f"{chosen.name.replace('_', ' ')} needs a comment giving the reason"))
    errors += [
        validation(f"data.{key}", f"{chosen.name} needs data.{key}")
        for key in chosen.data
        if data.get(key) in (None, "")
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

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        loaded = await load(session, request_id, lock=True)
        if loaded is None:
            raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"request {request_id} does not exist", "requestId"))
        standing = await standing_of(session, viewer, loaded, day)
        if not await read.may_read_request(session, viewer, request_id):
            raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"request {request_id} does not exist", "requestId"))
        request = loaded.request
        if expected_version is not None and expected_version != request.version:
            raise CommandRefused(
                UserError(
                    ErrorCode.CONFLICT,
                    f"request {request_id} is at version {request.version}, not {expected_version}; reload it",
                    "expectedVersion",
                )
            )
        chosen = _choose(loaded, action, values)
        who = Actor(str(viewer.user_id), sorted(viewer.roles))
        refusal = authorize.check(loaded.definition, chosen, request.state, viewer, standing)
        if refusal is not None:
            error = UserError(ErrorCode.FORBIDDEN, f"{refusal.reason} (rule {refusal.rule})")
            raise AuditedRefusal(refusal_entry(loaded, who, action, [error], [refusal.rule]), error)
        _check_input(chosen, comment, values)
        entries = await take_step(session, loaded, chosen, actor=who, comment=comment, data=values, today=day)
        entries += await advance(session, loaded, by=who, today=day)
        return request_id, entries

    return await run_command(
        db, viewer, command="act", payload=payload, idempotency_key=idempotency_key, body=body, request_id=request_id
    )
