"""How every command runs: one write transaction, idempotency, refusals answered as data and audited.

The body does the work and returns the id of the row it made or changed and the audit entries; they are
appended last, just before commit, so the audit chain's head is locked as briefly as possible. A refusal rolls everything
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

A command whose only write is one statement (``act``'s step without effects) is first tried as one statement
on PostgreSQL (``server.one_statement``): its reads outside a transaction, its write sent with the audit
append; whatever it cannot carry sends it back to the start, in a transaction.

Every command is counted here, by name and outcome (``server.metrics``), whichever layer sent it; and the
write path is core: it knows a caller only as a user id and roles (``server.errors.Caller``), so role
commands in ``policies`` and workflow commands in ``workflows`` share it without importing upward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server import idempotency, request_context
from server.audit.flood import gate_for
from server.audit.writer import AuditEntry, append
from server.db import Database
from server.errors import AuditedRefusal, Caller, CommandRefused, ErrorCode, UserError
from server.events import append_announced
from server.input_limits import input_errors
from server.metrics import record_command
from server.models import IdempotencyRecord
from server.one_statement import NeedsTransaction, deferred


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the row it made or changed (a request, an employee, a grant), or the errors
    that stopped it."""

    entity_id: int | None
    errors: tuple[UserError, ...] = ()
    stored: object | None = field(default=None, compare=False, repr=False)
    """The row as the command left it, when the command hands it back (``act``'s request): the answer is
    built from it instead of reading it again. None on a refusal, a replay and for other commands."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "errors": [
                {"code": e.code.value, "message": e.message, "field": e.field, "rule": e.rule} for e in self.errors
            ],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CommandResult:
        errors = tuple(
            UserError(ErrorCode(e["code"]), e["message"], e.get("field"), e.get("rule")) for e in raw.get("errors", [])
        )
        return cls(raw.get("entity_id", raw.get("request_id")), errors)  # request_id: stored before 0027


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


def refused(*errors: UserError, entity_id: int | None = None) -> CommandResult:
    return CommandResult(entity_id, tuple(errors))


async def run_command(
    db: Database,
    caller: Caller,
    *,
    command: str,
    payload: Mapping[str, Any],
    idempotency_key: str | None,
    body: Body,
    entity_id: int | None = None,
    one_statement: bool = False,
) -> CommandResult:
    """Run ``body`` as ``command`` for ``caller``; ``entity_id`` is what a refusal answers (``act``'s request).

    ``one_statement``: the body's only write may be deferred to the audit append's statement
    (``server.one_statement``): tried so first on PostgreSQL for a command without an idempotency key (whose
    claim is a write of its own, made first so that retries queue on it), then in a transaction if it needs one."""
    if caller.user_id is None:
        error = UserError(ErrorCode.FORBIDDEN, SIGN_IN)
        await audit_refusal(db, _anonymous_entry(command, error), error.code)
        result = refused(error, entity_id=entity_id)
    elif shape := input_errors(command, payload, idempotency_key):
        result = refused(*shape, entity_id=entity_id)
    else:
        digest = input_hash(command, payload)
        once = one_statement and idempotency_key is None and db.takes_one_statement
        result = await _attempt(db, caller.user_id, idempotency_key, digest, body, entity_id, once)
    record_command(command, [e.code.value for e in result.errors])
    return result


async def _attempt(
    db: Database, user: str, key: str | None, digest: str, body: Body, entity_id: int | None, one_statement: bool
) -> CommandResult:
    """The command once (or its replay under ``key``); a refusal answers for ``entity_id``, audited if it says so.
    ``one_statement``: first as one statement (``_in_one_statement``), and in a transaction if it needs one."""
    try:
        if one_statement:
            try:
                return await _in_one_statement(db, body)
            except NeedsTransaction:
                pass  # nothing was written: taken again from the start, in a transaction
        return await _once(db, user, key, digest, body)
    except AuditedRefusal as refusal:
        await audit_refusal(db, refusal.entry, refusal.errors[0].code)
        return refused(*refusal.errors, entity_id=entity_id)
    except CommandRefused as refusal:
        return refused(*refusal.errors, entity_id=entity_id)
    except IntegrityError as exc:
        message = f"the database refused the change ({exc.orig}); reload and retry"
        return refused(UserError(ErrorCode.CONFLICT, message), entity_id=entity_id)


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
        if key is not None and not await idempotency.claim(session, user, key, digest, dt.datetime.now(dt.UTC)):
            return _replay(await idempotency.record(session, user, key), key, digest)
        entity_id, entries = await body(session)
        result = CommandResult(entity_id)
        if key is not None:
            await idempotency.store_result(session, user, key, result.to_json())
        # last: the audit chain's head stays locked until commit; the changes are announced only if it commits
        await append_announced(session, entries)
        return result


async def _in_one_statement(db: Database, body: Body) -> CommandResult:
    """The body's reads outside a transaction, its one write with the audit append, in one statement
    (``server.one_statement``); ``NeedsTransaction`` if it needs more, or if its write found the row changed."""
    async with db.one_statement() as session:
        entity_id, entries = await body(session)
        write = deferred(session)
        if write is None or not await append_announced(session, entries, after=write):
            raise NeedsTransaction("nothing stored: no write to defer, or its row changed since it was read")
        return CommandResult(entity_id)


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
