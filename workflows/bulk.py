"""Bulk decisions: many steps (``actMany``) or a period's rank promotions in one call, each on its own.

Nothing here decides anything: every item goes through the one write path of a single command
(``service.act``, ``proposals.propose_rank_promotion``): authorized, guarded, applied and audited in a
transaction of its own, answered in the order given. One item refused or failing does not touch the
others (no all-or-nothing: a verifier's 200 verifications are 200 decisions). An item outside the viewer's
scope is refused exactly as ``act`` refuses it, NOT_FOUND in the words of a request that does not exist.

``propose_period`` is BKD's monthly run: everyone on the period's eligibility list the viewer may propose
(``eligibility.rank_promotion_candidates``, the list ``rankPromotionCandidates`` shows, in NIP order) is
proposed for promotion effective on the period date, up to ``MAX_ITEMS`` a call; the next call goes on
after the last NIP (``end_cursor``). A person who has an unfinished rank-promotion request by the time
their turn comes is refused by the proposal itself and reported so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from policies.scope import registry_scope
from policies.viewer import Viewer
from server.commands import ANONYMOUS, SIGN_IN, CommandResult, audit_refusal
from server.db import Database
from server.errors import AuditedRefusal, CommandRefused, ErrorCode, UserError, validation
from server.input_limits import input_errors
from server.registry import queries as registry_queries
from workflows import eligibility, proposals, service

MAX_ITEMS = 200
"""The most items one bulk call takes (``actMany``, one call of ``propose_period``)."""
COMMAND = "proposeRankPromotions"
NO_RIGHT = "refused: proposing rank promotions is for unit HR (in their units) and BKD officials"


@dataclass(frozen=True)
class ActItem:
    """One ``act`` of an ``actMany``, or the input error that keeps it from being tried."""

    request_id: int | None
    action: str
    comment: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    data: Mapping[str, Any] | None = None
    problem: UserError | None = None


def check_count(count: int, field_name: str) -> None:
    """At most ``MAX_ITEMS`` items: more is refused whole, before any item is tried."""
    if count > MAX_ITEMS:
        raise CommandRefused(
            validation(field_name, f"{field_name} has {count} items; one call takes at most {MAX_ITEMS}")
        )


async def act_many(db: Database, viewer: Viewer, items: Sequence[ActItem], *, today: dt.date) -> list[CommandResult]:
    """``act`` on each item in turn, each its own command; the results in the order given."""
    check_count(len(items), "items")
    results = []
    for item in items:
        if item.problem is not None or item.request_id is None:
            problem = item.problem or validation("requestId", "not a request id")
            results.append(CommandResult(item.request_id, (problem,)))
            continue
        results.append(
            await service.act(
                db,
                viewer,
                request_id=item.request_id,
                action=item.action,
                comment=item.comment,
                expected_version=item.expected_version,
                idempotency_key=item.idempotency_key,
                data=item.data,
                today=today,
            )
        )
    return results


@dataclass(frozen=True)
class PeriodProposals:
    """What ``propose_period`` did: per person (NIP) the proposal's result, and where the next call goes on."""

    results: list[tuple[str, CommandResult]]
    has_more: bool
    end_cursor: str | None


async def propose_one(
    db: Database, viewer: Viewer, nip: str, period: dt.date, reason: str | None, today: dt.date
) -> CommandResult:
    """The one place a bulk run proposes: the single proposal command, unchanged."""
    return await proposals.propose_rank_promotion(
        db, viewer, employee_nip=nip, effective_date=period, reason=reason, today=today
    )


def _refusal(viewer: Viewer, error: UserError, period: dt.date) -> AuditedRefusal:
    """A bulk run the viewer has no right to, audited like a single command's refusal (anonymous too)."""
    refusal = AuditedRefusal.of(
        viewer,
        error,
        action="request.refused",
        entity_type="rank_promotion_period",
        entity_id=period.isoformat(),
        reason="proposeRankPromotions without the right to propose rank promotions",
    )
    if viewer.user_id is None:
        refusal.entry = replace(refusal.entry, actor=ANONYMOUS, actor_roles=())
    return refusal


async def propose_period(
    db: Database,
    viewer: Viewer,
    *,
    period: dt.date,
    today: dt.date,
    unit_code: str | None = None,
    first: int = MAX_ITEMS,
    after: str | None = None,
    reason: str | None = None,
) -> PeriodProposals:
    """Propose the next ``first`` people of the period's eligibility list (after NIP ``after``), one by one.

    Raises ``CommandRefused``: FORBIDDEN (audited) for a viewer who may not propose rank promotions at all,
    VALIDATION naming ``period``, ``unitCode`` or ``first`` for an input that cannot be run.
    """
    if viewer.user_id is not None:  # as at every command's door (``run_command``): the shape of the text first
        shape = input_errors(COMMAND, {"unitCode": unit_code, "after": after, "reason": reason}, None)
        if shape:
            raise CommandRefused(*shape)
    proposer = eligibility.proposer_scope(viewer)
    if viewer.user_id is None or proposer.nothing:
        words = SIGN_IN if viewer.user_id is None else NO_RIGHT
        refusal = _refusal(viewer, UserError(ErrorCode.FORBIDDEN, words), period)
        await audit_refusal(db, refusal.entry, ErrorCode.FORBIDDEN)
        raise CommandRefused(*refusal.errors)
    if first < 1:
        raise CommandRefused(validation("first", f"first must be between 1 and {MAX_ITEMS}; got {first}"))
    check_count(first, "first")
    try:
        eligibility.check_period(period)
    except eligibility.EligibilityError as exc:
        raise CommandRefused(validation("period", str(exc))) from None
    visible = eligibility.candidate_visibility(proposer, registry_scope(viewer))
    async with db.read() as session:
        unit = None
        if unit_code is not None:
            unit = await registry_queries.unit_by_code(session, unit_code)
            if unit is None:
                raise CommandRefused(validation("unitCode", f"no unit has code {unit_code!r}"))
        try:
            found, has_more = await eligibility.rank_promotion_candidates(
                session,
                period=period,
                today=today,
                visible=visible,
                unit=unit,
                exclude_employee_id=viewer.employee_id,
                first=first,
                after_nip=after,
            )
        except eligibility.EligibilityError as exc:
            raise CommandRefused(validation("period", str(exc))) from None
        nips = [c.nip for c in found]
    results = [(nip, await propose_one(db, viewer, nip, period, reason, today)) for nip in nips]
    return PeriodProposals(results, has_more, nips[-1] if nips else None)
