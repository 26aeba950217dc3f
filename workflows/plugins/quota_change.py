"""A change of a position's approved headcount (perubahan formasi): its preconditions, guards and effect.

The request is about a position (``subject_position_id``; its steps read it as ``ctx.position``), its
requested quota is ``data.quota``. The rule ``formasi.quota_change`` (PermenPANRB 1/2020) dates what is
policy: the day of the month a quota change takes effect on, and how far the quota may exceed the needed
staff of the position's workload analysis (ABK) rounded up. The new quota may not fall below the holders
the position has on its effective date, with the placements decided into it and waiting to take effect
(they hold a seat): the incumbents would overflow it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Position, PositionWorkload
from server.registry import quotas
from server.registry.workloads import WORKLOAD_RULE
from server.sql import one_of
from workflows import facts
from workflows.context import StepContext
from workflows.effects import Change, EffectFailed, effect
from workflows.facts_many import batch
from workflows.guards import GuardResult, _result, guard
from workflows.preconditions import ProposalContext, precondition, refuse
from workflows.repository import request_facts
from workflows.workforce import needed_staff

RULE = "formasi.quota_change"


def requested(ctx: StepContext) -> int:
    """The quota the request asks for."""
    return int(ctx.request.data.get("quota", 0))


@precondition("quota_not_negative")
async def quota_not_negative(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """An approved headcount is a number of people: 0 or more."""
    quota = int(ctx.inputs["quota"])
    if quota < 0:
        raise refuse("quota", f"quota {quota} is negative; an approved headcount is 0 or more")


@precondition("quota_changes")
async def quota_changes(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """The quota asked for differs from the one in force on the effective date (else there is nothing to change)."""
    position, day = ctx.draft.position, ctx.draft.effective_date
    if position is None:
        raise refuse("positionCode", "the proposal names no position")
    query = select(quotas.quota_on(day)).where(Position.id == position.id)
    in_force = int((await ctx.session.execute(query)).scalar_one())
    if int(ctx.inputs["quota"]) == in_force:
        raise refuse("quota", f"quota {in_force} is already {position.code}'s approved headcount on {day}")


@precondition("no_unfinished_quota_change")
async def no_unfinished_quota_change(ctx: ProposalContext, args: tuple[str, ...]) -> None:
    """One unfinished quota change per position (its row is locked by the proposal, so two queue up)."""
    position = ctx.draft.position
    if position is None:
        raise refuse("positionCode", "the proposal names no position")
    if await request_facts.open_request_about_position(ctx.session, ctx.draft.kind, position.id) is not None:
        raise refuse(
            "positionCode",
            f"{position.code} already has an unfinished quota change; propose again once it is decided or withdrawn",
        )


@guard("quota_from_first_of_month", RULE)
async def quota_from_first_of_month(ctx: StepContext) -> GuardResult:
    """A quota change takes effect on the day of the month the rule says (the 1st)."""
    day = ctx.rule(RULE).int("effective_day")
    message = f"a quota change takes effect on day {day} of a month; the effective date is {ctx.on}"
    return _result(ctx, "quota_from_first_of_month", RULE, ctx.on.day == day, message)


def _slot(ctx: StepContext) -> facts.SlotOf | None:
    return facts.SlotOf(ctx.position.id, ctx.on, ctx.request.id) if ctx.position is not None else None


@guard("quota_not_below_holders", RULE, reads=_slot)
async def quota_not_below_holders(ctx: StepContext) -> GuardResult:
    """The new quota holds the position's definitive holders on the effective date and the placements decided
    into it that wait to take effect: a lower one would leave incumbents outside the approved headcount."""
    question = _slot(ctx)
    if ctx.position is None or question is None:
        return _result(ctx, "quota_not_below_holders", RULE, False, "the request names no position")
    slot = await ctx.fact(question)
    seated = len(slot.holders) + slot.pending
    message = (
        f"{ctx.position.code}: quota {requested(ctx)}, {len(slot.holders)} definitive holder(s) on {ctx.on} and "
        f"{slot.pending} decided placement(s) waiting to take effect"
    )
    return _result(ctx, "quota_not_below_holders", RULE, requested(ctx) >= seated, message)


@dataclass(frozen=True)
class WorkloadOf(facts.Question[tuple[tuple[int, float], ...]]):
    """The tasks of a position's workload analysis: (annual volume, norm hours) each. Answered by the batched
    reader below, for one request or a page alike."""

    unioned = False
    position_id: int

    @classmethod
    def branches(cls, tag: int) -> list[Any]:
        raise NotImplementedError("answered by workflows.facts_many")

    def params(self, tag: int) -> dict[str, Any]:
        raise NotImplementedError("answered by workflows.facts_many")

    def answer(self, rows: Sequence[Any]) -> tuple[tuple[int, float], ...]:
        raise NotImplementedError("answered by workflows.facts_many")


@batch(WorkloadOf)
async def _workloads(session: AsyncSession, questions: Sequence[WorkloadOf]) -> dict[Any, Any]:
    rows = await session.execute(
        select(PositionWorkload.position_id, PositionWorkload.annual_volume, PositionWorkload.norm_hours)
        .where(one_of(session, PositionWorkload.position_id, [q.position_id for q in questions]))
        .order_by(PositionWorkload.position_id, PositionWorkload.task)
    )
    tasks: dict[int, list[tuple[int, float]]] = {}
    for position_id, volume, norm in rows:
        tasks.setdefault(position_id, []).append((int(volume), float(norm)))
    return {q: tuple(tasks.get(q.position_id, ())) for q in questions}


def _workload(ctx: StepContext) -> WorkloadOf | None:
    return WorkloadOf(ctx.position.id) if ctx.position is not None else None


@guard("quota_within_workload", RULE, WORKLOAD_RULE, reads=_workload)
async def quota_within_workload(ctx: StepContext) -> GuardResult:
    """The quota rests on the workload analysis (ABK): at most its needed staff rounded up to whole people
    (plus the rule's ``above_needed``), on the effective hours in force on the effective date. A position
    without an analysis has none to rest on."""
    question = _workload(ctx)
    if ctx.position is None or question is None:
        return _result(ctx, "quota_within_workload", RULE, False, "the request names no position")
    tasks = await ctx.fact(question)
    if not tasks:
        message = f"{ctx.position.code} has no workload analysis (ABK) for a quota to rest on"
        return _result(ctx, "quota_within_workload", RULE, False, message)
    hours = round(sum(volume * norm for volume, norm in tasks), 2)
    effective = ctx.rule(WORKLOAD_RULE).int("hours")
    needed = needed_staff(hours, effective)
    ceiling = math.ceil(needed) + ctx.rule(RULE).int("above_needed")
    message = (
        f"{ctx.position.code}: quota {requested(ctx)}; its workload analysis needs {float(round(needed, 2))} staff "
        f"({hours} hours a year / {effective}), at most {ceiling} approved"
    )
    return _result(ctx, "quota_within_workload", RULE, requested(ctx) <= ceiling, message)


@effect("record_quota", audits="position.quota_changed")
async def record_quota(ctx: StepContext) -> list[Change]:
    """The new quota is in force from the effective date: recorded in the quota history (the one before closes
    the day before, kept for as-of reads), then as the position's current quota."""
    position, effective = ctx.position, ctx.request.effective_date
    if position is None or effective is None:
        raise EffectFailed("record_quota", f"request {ctx.request.id} names no position or effective date")
    before, quota = position.quota, requested(ctx)
    try:
        await quotas.record_changes(ctx.session, {position.id: quota}, effective, ctx.request.id)
    except quotas.QuotaHistoryError as exc:
        raise EffectFailed("record_quota", str(exc)) from None
    position.quota = quota
    await ctx.session.flush()
    after = {"quota": quota, "valid_from": effective.isoformat(), "request_id": ctx.request.id}
    return [Change("position.quota_changed", "position", position.code, {"quota": before}, after)]
