"""How every command runs: one write transaction, idempotency, refusals answered as data and audited.

The body does the work and returns the request id and the audit entries; they are appended last, just
before commit, so the audit chain's head is locked as briefly as possible. A refusal rolls everything
back; audited refusals (FORBIDDEN, NOT_FOUND outside the viewer's scope, GUARD_FAILED) are then written to
the audit log in a short transaction of their own, so the trail shows who tried what even though nothing
changed. So is a command sent without a token. Refusals a caller can repeat at will without any right (no
token, FORBIDDEN, NOT_FOUND) pass a flood gate (``server.audit.flood``): a few events per caller, action and
code a minute, the next one carrying how many were not written.

An idempotency key is claimed before the body runs, by inserting its row under the (user, key) primary
key in the command's own transaction: concurrent retries of one command (a client that timed out and
sent it again, twenty times, to two server processes) queue on that row and all answer the first one's
stored result, instead of racing the body and reading CONFLICT or VALIDATION from its effects. A refused
command rolls its claim back, so the key stays free for a corrected retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server import request_context
from server.audit.flood import gate_for
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.events import announce, changes_in
from server.models import IdempotencyRecord
from workflows import repository
from workflows.errors import CommandRefused, ErrorCode, UserError
from workflows.input_limits import input_errors
from workflows.steps import AuditedRefusal, now


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the request it made or moved, or the errors that stopped it."""

    request_id: int | None
    errors: tuple[UserError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "errors": [
                {"code": e.code.value, "message": e.message, "field": e.field, "rule": e.rule} for e in self.errors
            ],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CommandResult:
        errors = tuple(
            UserError(ErrorCode(e["code"]), e["message"], e.get("field"), e.get("rule")) for e in raw.get("errors", [])
        )
        return cls(raw.get("request_id"), errors)


Body = Callable[[AsyncSession], Awaitable[tuple[int, list[AuditEntry]]]]

ANONYMOUS = "anonymous"
# Refusals answered to a caller without the right to act: the ones a script can provoke without limit.
FLOODABLE = frozenset({ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND})
# Events per (caller, action, code) a minute: a person refused now and then keeps a complete trail; a script
# sending the same refusal in a loop writes a few rows a minute, each saying how many were not written.
SIGNED_IN_BURST = 5
ANONYMOUS_BURST = 1
SIGN_IN = "sign in first: commands need a bearer token"


def input_hash(command: str, payload: Mapping[str, Any]) -> str:
    canonical = orjson.dumps({"command": command, "input": payload}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


def refused(*errors: UserError, request_id: int | None = None) -> CommandResult:
    return CommandResult(request_id, tuple(errors))


async def run_command(
    db: Database,
    viewer: Viewer,
    *,
    command: str,
    payload: Mapping[str, Any],
    idempotency_key: str | None,
    body: Body,
    request_id: int | None = None,
) -> CommandResult:
    if viewer.user_id is None:
        error = UserError(ErrorCode.FORBIDDEN, SIGN_IN)
        await audit_refusal(db, _anonymous_entry(command, error), error.code)
        return refused(error, request_id=request_id)
    shape = input_errors(command, payload, idempotency_key)
    if shape:
        return refused(*shape, request_id=request_id)
    user = viewer.user_id
    digest = input_hash(command, payload)
    try:
        return await _once(db, user, idempotency_key, digest, body)
    except AuditedRefusal as refusal:
        await audit_refusal(db, refusal.entry, refusal.errors[0].code)
        return refused(*refusal.errors, request_id=request_id)
    except CommandRefused as refusal:
        return refused(*refusal.errors, request_id=request_id)
    except IntegrityError as exc:
        message = f"the database refused the change ({exc.orig}); reload and retry"
        return refused(UserError(ErrorCode.CONFLICT, message), request_id=request_id)


def _anonymous_entry(command: str, error: UserError) -> AuditEntry:
    return AuditEntry(
        actor=ANONYMOUS,
        action="command.refused",
        entity_type="command",
        entity_id=command,
        comment=error.message,
        after={"command": command, "code": error.code.value, "client": request_context.client.get()},
    )


async def audit_refusal(db: Database, entry: AuditEntry, code: ErrorCode) -> None:
    """Write a refusal's event in a transaction of its own, through the flood gate when a caller without any
    right could repeat it at will; an event written after uncounted ones says how many (``after.repeats``)."""
    if code in FLOODABLE:
        anonymous = entry.actor == ANONYMOUS
        who = (ANONYMOUS, request_context.client.get()) if anonymous else entry.actor
        repeats = gate_for(db).admit(
            (who, entry.action, code.value), burst=ANONYMOUS_BURST if anonymous else SIGNED_IN_BURST
        )
        if repeats is None:
            return
        if repeats:
            entry = replace(entry, after={**(entry.after or {}), "repeats": repeats})
    async with db.write() as session:
        await append(session, [entry])


async def _once(db: Database, user: str, key: str | None, digest: str, body: Body) -> CommandResult:
    """One attempt; with a key, the key is claimed first so that concurrent retries wait for the first."""
    async with db.write() as session:
        if key is not None and not await repository.claim_idempotency(session, user, key, digest, now()):
            return _replay(await repository.idempotency_record(session, user, key), key, digest)
        request_id, entries = await body(session)
        result = CommandResult(request_id)
        if key is not None:
            await repository.record_idempotent_result(session, user, key, result.to_json())
        await announce(session, changes_in(entries))  # sent only if this transaction commits
        await append(session, entries)  # last: the audit chain's head stays locked until commit
        return result


def _replay(record: IdempotencyRecord | None, key: str, digest: str) -> CommandResult:
    """The stored result of the first command with ``key``; a different input under the same key is refused."""
    if record is None:  # not reachable while records are never deleted; answered rather than assumed
        raise CommandRefused(
            UserError(ErrorCode.CONFLICT, f"idempotency key {key!r} is in use; retry", "idempotencyKey")
        )
    if record.input_hash != digest:
        raise CommandRefused(
            UserError(
                ErrorCode.IDEMPOTENCY_MISMATCH,
                f"idempotency key {key!r} was used for a different input; use a new key for a new command",
                "idempotencyKey",
            )
        )
    return CommandResult.from_json(record.result)
