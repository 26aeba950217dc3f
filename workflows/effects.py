"""Named effects: what a final step changes in the registry, each change reported for the audit log.

They run inside the step's transaction, after the guards, so either every change of a step is stored
with its audit events or none is. The database's own constraints (one definitive holder of a
managerial position, one post per employee at a time) stay the last line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.domain.ranks import group, next_rank
from server.models import Assignment, EvaluationResult, RankHistory, TrainingRecord
from server.registry import queries as registry
from workflows import facts
from workflows.context import StepContext


class EffectFailed(Exception):
    """The change cannot be made (the data moved on since the decision); the message says why."""

    def __init__(self, effect: str, message: str) -> None:
        super().__init__(message)
        self.effect = effect


@dataclass(frozen=True)
class Change:
    """One audited change: ``assignment.opened``, ``rank.changed``, ..."""

    action: str
    entity_type: str
    entity_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] = field(default_factory=dict)


EffectFn = Callable[[StepContext], Awaitable[list[Change]]]


@dataclass(frozen=True)
class Effect:
    """A registered effect: its function, and the audit event each change it makes is written as."""

    apply: EffectFn
    audits: str

    def __call__(self, ctx: StepContext) -> Awaitable[list[Change]]:
        return self.apply(ctx)


EFFECTS: dict[str, Effect] = {}


def effect(name: str, *, audits: str) -> Callable[[EffectFn], EffectFn]:
    """``@effect(name, audits=event)``: the step effect ``name``, whose every change is the audit event ``event``."""

    def register(fn: EffectFn) -> EffectFn:
        EFFECTS[name] = Effect(fn, audits)
        return fn

    return register


def _effective(ctx: StepContext, name: str) -> dt.date:
    if ctx.request.effective_date is None:
        raise EffectFailed(name, f"request {ctx.request.id} has no effective date")
    return ctx.request.effective_date


@effect("close_previous_assignment", audits="assignment.closed")
async def close_previous_assignment(ctx: StepContext) -> list[Change]:
    """The employee's open definitive assignment ends the day before the new one starts."""
    tmt = _effective(ctx, "close_previous_assignment")
    rows = await registry.definitive_assignments_from(ctx.session, ctx.subject.id, tmt)
    changes = []
    for assignment in rows:
        if assignment.start_date >= tmt:
            raise EffectFailed(
                "close_previous_assignment",
                f"{ctx.subject.name} has an assignment starting {assignment.start_date}, not before {tmt}",
            )
        before = assignment.end_date
        end = tmt - dt.timedelta(days=1)
        await registry.end_assignment(ctx.session, assignment.id, end)
        changes.append(
            Change(
                "assignment.closed",
                "assignment",
                str(assignment.id),
                {"end_date": before},
                {"end_date": end, "position_id": assignment.position_id, "employee_id": ctx.subject.id},
            )
        )
    return changes


@effect("open_assignment", audits="assignment.opened")
async def open_assignment(ctx: StepContext) -> list[Change]:
    tmt = _effective(ctx, "open_assignment")
    position = ctx.position
    if position is None:
        raise EffectFailed("open_assignment", f"request {ctx.request.id} names no position")
    holders = await facts.holders_on(ctx.session, position.id, tmt)
    if len(holders) >= position.quota or (position.managerial and holders):
        raise EffectFailed("open_assignment", f"{position.code} has no vacancy on {tmt}: {len(holders)} holder(s)")
    assignment = Assignment(
        employee_id=ctx.subject.id,
        position_id=position.id,
        start_date=tmt,
        end_date=None,
        kind="definitive",
        managerial=position.managerial,
        decree_no=ctx.request.data.get("decreeNo"),
    )
    ctx.session.add(assignment)
    await ctx.session.flush()
    after = {"employee_id": ctx.subject.id, "position_id": position.id, "position": position.code, "start_date": tmt}
    return [Change("assignment.opened", "assignment", str(assignment.id), None, after)]


@effect("raise_rank", audits="rank.changed")
async def raise_rank(ctx: StepContext) -> list[Change]:
    tmt = _effective(ctx, "raise_rank")
    employee = ctx.subject
    target = ctx.request.data.get("targetRank") or (next_rank(employee.rank_code) if employee.rank_code else None)
    if target is None:
        raise EffectFailed("raise_rank", f"{employee.name} has no next rank")
    before: dict[str, Any] = {"rank_code": employee.rank_code, "rank_since": employee.rank_since}
    ctx.session.add(
        RankHistory(employee_id=employee.id, rank_code=target, tmt=tmt, decree_no=ctx.request.data.get("decreeNo"))
    )
    after: dict[str, Any] = {"rank_code": target, "rank_since": tmt}
    if employee.rank_code and group(target) != group(employee.rank_code) and employee.has_service_exam:
        # The legacy flag stood for the certificate of the group now entered; the next crossing needs its own.
        before["has_service_exam"], after["has_service_exam"] = True, False
        employee.has_service_exam = False
    employee.rank_code, employee.rank_since = target, tmt
    await ctx.session.flush()
    return [Change("rank.changed", "employee", employee.nip, before, after)]


def _predicate(ctx: StepContext) -> str:
    matrix = ctx.rule("evaluation.predicate_matrix")["matrix"]
    key = f"{ctx.request.data.get('resultRating')}|{ctx.request.data.get('behaviourRating')}"
    return str(matrix[key])


@effect("record_ratings", audits="evaluation.rated")
async def record_ratings(ctx: StepContext) -> list[Change]:
    """The ratings of the step (the supervisor's, or the superior's on objection) and the predicate they give."""
    data = dict(ctx.request.data)
    before = {k: data.get(k) for k in ("resultRating", "behaviourRating", "predicate")}
    for key in ("resultRating", "behaviourRating"):
        if key in ctx.action_data:
            data[key] = ctx.action_data[key]
    ctx.request.data = data
    data["predicate"] = _predicate(ctx)
    ctx.request.data = dict(data)
    after = {k: data.get(k) for k in ("resultRating", "behaviourRating", "predicate")}
    return [Change("evaluation.rated", "request", str(ctx.request.id), before, after)]


@effect("record_delivery", audits="evaluation.delivered")
async def record_delivery(ctx: StepContext) -> list[Change]:
    ctx.request.delivered_on = ctx.today
    return [Change("evaluation.delivered", "request", str(ctx.request.id), None, {"delivered_on": ctx.today})]


@effect("finalise_evaluation", audits="evaluation.finalised")
async def finalise_evaluation(ctx: StepContext) -> list[Change]:
    """The predicate becomes the employee's final result for the year: what later guards read."""
    year = int(ctx.request.data["year"])
    predicate = str(ctx.request.data["predicate"])
    existing = await registry.evaluation_result(ctx.session, ctx.subject.id, year)
    before = {"predicate": existing.predicate} if existing else None
    if existing is None:
        ctx.session.add(EvaluationResult(employee_id=ctx.subject.id, year=year, predicate=predicate))
    else:
        existing.predicate = predicate
    await ctx.session.flush()
    after = {"employee_id": ctx.subject.id, "year": year, "predicate": predicate}
    return [Change("evaluation.finalised", "employee", ctx.subject.nip, before, after)]


@effect("record_training", audits="training.recorded")
async def record_training(ctx: StepContext) -> list[Change]:
    data = ctx.request.data
    record = TrainingRecord(
        employee_id=ctx.subject.id,
        title=str(data["title"]),
        hours=int(data["hours"]),
        date=dt.date.fromisoformat(str(data["date"])),
        competencies=list(data.get("competencies") or []),
        verified=True,
    )
    ctx.session.add(record)
    await ctx.session.flush()
    after = {"employee_id": ctx.subject.id, "title": record.title, "hours": record.hours, "date": record.date}
    return [Change("training.recorded", "training_record", str(record.id), None, after)]


MOVED_OUT = "moved_out"


@effect("leave_jakarta_service", audits="employee.moved_out")
async def leave_jakarta_service(ctx: StepContext) -> list[Change]:
    """A transfer to another province took effect: the employee leaves Jakarta's active staff."""
    tmt = _effective(ctx, "leave_jakarta_service")
    destination = ctx.request.data.get("destination")
    return await leave_active_service(
        ctx, "leave_jakarta_service", MOVED_OUT, "employee.moved_out", destination=destination, effective_date=tmt
    )


async def leave_active_service(ctx: StepContext, name: str, status: str, event: str, **details: object) -> list[Change]:
    """The effect ``name``: the active employee leaves the active staff as ``status`` (audited as ``event``)."""
    employee = ctx.subject
    if employee.status != "active":
        raise EffectFailed(name, f"{employee.name} is {employee.status}, not active")
    before = {"status": employee.status}
    employee.status = status
    await ctx.session.flush()
    return [Change(event, "employee", employee.nip, before, {"status": status, **details})]
