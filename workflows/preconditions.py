"""Preconditions of a proposal, registered by name like guards, listed by a definition's ``proposal.preconditions``.

They run after the viewer's authority to propose is settled (``workflows.proposal_authority``) and before the
request is built: each checks the input and the subject and refuses with a VALIDATION error naming the field
and the value (``CommandRefused``), or fills in the draft (the post a transfer starts from, the rank a
promotion starts from). The proposal's guards then judge the built request like any step's guards.
Arguments come from the YAML: ``{no_unfinished_request_of: [TRANSFER, TRANSFER_OUT]}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import CommandRefused, validation
from server.models import Employee, Position
from server.registrar import registrar
from workflows import repository
from workflows.proposal_authority import Authority
from workflows.proposal_spec import ProposalSpec


@dataclass
class ProposalDraft:
    """The request one proposal command is about to start: filled from the input, then by the preconditions."""

    kind: str
    subject: Employee
    effective_date: dt.date
    position: Position | None = None
    origin_position: Position | None = None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProposalContext:
    session: AsyncSession
    spec: ProposalSpec
    authority: Authority
    inputs: dict[str, Any]  # as given, by API name (camelCase)
    draft: ProposalDraft
    today: dt.date

    @property
    def subject(self) -> Employee:
        return self.draft.subject


PreconditionFn = Callable[[ProposalContext, tuple[str, ...]], Awaitable[None]]
PRECONDITIONS: dict[str, PreconditionFn] = {}
precondition = registrar(PRECONDITIONS)  # ``@precondition(name)``: the proposal precondition ``name``


def refuse(field_name: str, message: str) -> CommandRefused:
    return CommandRefused(validation(field_name, message))


@precondition("effective_date_ahead")
async def effective_date_ahead(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """The effective date is today or later."""
    name = ctx.spec.effective_date.input or "effectiveDate"
    if ctx.draft.effective_date < ctx.today:
        raise refuse(name, f"{name} {ctx.draft.effective_date} is in the past (today is {ctx.today})")


@precondition("holds_a_post")
async def holds_a_post(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """The subject holds a post today; the request starts from it (its origin position). ``args``: the verb of
    the refusal (``transfer``: "holds no post on <today> to transfer from")."""
    if ctx.authority.current is None:
        verb = args[0] if args else "move"
        raise refuse("employeeNip", f"{ctx.subject.name} holds no post on {ctx.today} to {verb} from")
    ctx.draft.origin_position = ctx.authority.current


@precondition("no_unfinished_request_of")
async def no_unfinished_request_of(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """One unfinished request of these kinds (default: this kind) per person. The other request's id is not
    named: the proposer may have the right to propose without the right to read it (a target unit's head)."""
    found = await repository.open_request_of(ctx.session, args or (ctx.draft.kind,), ctx.subject.id)
    if found is not None:
        kind = found[1].lower().replace("_", " ")
        raise refuse(
            "employeeNip",
            f"{ctx.subject.name} already has an unfinished {kind} request; propose again once it is decided or withdrawn",
        )


@precondition("not_already_in_position")
async def not_already_in_position(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """The position the proposal names is not the post the subject starts from."""
    target, origin = ctx.draft.position, ctx.draft.origin_position or ctx.authority.current
    if target is not None and origin is not None and origin.id == target.id:
        raise refuse(ctx.spec.position or "positionCode", f"{ctx.subject.name} already holds {target.code}")
