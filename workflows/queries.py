"""The read side of workflows: the actions a viewer may take on a page of requests, and why.

The lists themselves (the inbox, the requests a viewer may read) are ``workflows.repository.lists``.
``available_actions`` works from definition data and the viewer's standing alone: no machine, no query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from policies.relations import relations_to_many
from policies.viewer import Viewer
from server.models import WorkflowRequest
from workflows import authorize, catalog, preview, repository
from workflows.authorize import Standing
from workflows.loading import unit_map


@dataclass(frozen=True)
class ActionOption:
    """API.md ``ActionOption``; ``kind`` is forward, reject, return or withdraw."""

    action: str
    kind: str
    allowed: bool
    reason: str | None
    blocked_by: tuple[str, ...] = ()


def available_actions(request: WorkflowRequest, viewer: Viewer, standing: Standing) -> list[ActionOption]:
    """Every action of the request's current state a person could take, allowed or not for this viewer, and why."""
    if request.terminal:
        return []
    definition = catalog.by_version(request.definition_version)
    options: list[ActionOption] = []
    seen: set[str] = set()
    for action in definition.actions_from(request.state):
        actors = definition.actors_of(action, request.state)
        if action.name in seen or (actors and all(a.system is not None for a in actors)):
            continue
        seen.add(action.name)
        refusal = authorize.check(definition, action, request.state, viewer, standing)
        options.append(
            ActionOption(
                action.name,
                action.kind,
                refusal is None,
                refusal.reason if refusal else None,
                (refusal.rule,) if refusal else (),
            )
        )
    return options


async def with_guards(
    session: AsyncSession,
    options: Mapping[int, Sequence[ActionOption]],
    requests: Sequence[WorkflowRequest],
    today: dt.date,
) -> dict[int, list[ActionOption]]:
    """The options with their guards previewed: an action the viewer may take stays allowed only when its
    guards would pass on the request's effective date; otherwise ``blocked_by`` names the guards and
    ``reason`` gives their sentences. A constant number of statements for the whole page."""
    by_id = {r.id: r for r in requests}
    asks = [(by_id[rid], o.action) for rid, opts in options.items() for o in opts if o.allowed]
    verdicts = await preview.preview(session, asks, today)
    out: dict[int, list[ActionOption]] = {}
    for rid, opts in options.items():
        out[rid] = []
        for o in opts:
            verdict = verdicts.get((rid, o.action))
            if verdict is not None and not verdict.passes:
                o = replace(o, allowed=False, reason="; ".join(verdict.sentences), blocked_by=verdict.blocked_by)
            out[rid].append(o)
    return out


async def standings(
    session: AsyncSession, viewer: Viewer, requests: Sequence[WorkflowRequest], on: dt.date
) -> dict[int, Standing]:
    """How the viewer stands to each request of a page: one query for the units, three for the relations,
    one for the approvals. A request about a position (a quota change) has no person it is about: its subject
    is its proposer, who stands to it as the proposer, not as "self"."""
    unit_ids = {r.unit_id for r in requests} | {r.origin_unit_id for r in requests}
    refs = await repository.unit_refs(session, unit_ids)
    relations = await relations_to_many(session, viewer, [r.subject_employee_id for r in requests], on)
    approvals = await repository.approvals_of(session, [r.id for r in requests])
    return {
        r.id: Standing.of(
            relations[r.subject_employee_id] if r.subject_position_id is None else frozenset(),
            unit_map(refs, r.unit_id, r.origin_unit_id),
            r.proposed_by,
            r.proposer_person,
            approvals.get(r.id, {}),
        )
        for r in requests
    }


async def explain_with_guards(
    session: AsyncSession, request: WorkflowRequest, viewer: Viewer, standing: Standing, action: str, today: dt.date
) -> tuple[bool, list[str]]:
    """``explain``, then the action's guards on the request's effective date: allowed only when both allow it."""
    allowed, reasons = explain(request, viewer, standing, action)
    if not allowed:
        return allowed, reasons
    verdict = (await preview.preview(session, [(request, action)], today))[(request.id, action)]
    if verdict.passes:
        return True, reasons
    return False, [f"refused: {s}" for s in verdict.sentences]


def explain(request: WorkflowRequest, viewer: Viewer, standing: Standing, action: str) -> tuple[bool, list[str]]:
    """Whether the viewer may take ``action`` now, and why, in words (the grant, relation or rule that decides)."""
    state = request.state.replace("_", " ")
    if request.terminal:
        return False, [f"refused: request {request.id} has ended ({state}); nothing more can be done on it"]
    definition = catalog.by_version(request.definition_version)
    candidates = [a for a in definition.actions_from(request.state) if a.name == action]
    if not candidates:
        possible = sorted({a.name for a in definition.actions_from(request.state)})
        return False, [
            f"refused: {action} is not an action of state {state}; possible now: {', '.join(possible) or 'none'}"
        ]
    reasons: list[str] = []
    for candidate in candidates:
        refusal = authorize.check(definition, candidate, request.state, viewer, standing)
        if refusal is None:
            return True, authorize.allowing_reasons(definition, candidate, request.state, viewer, standing)
        reasons.append(f"{refusal.reason} (rule {refusal.rule})")
    return False, list(dict.fromkeys(reasons))
