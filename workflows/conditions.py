"""The scheduler's conditions, registered by name like guards: a definition's ``auto:`` step (and a state owned by
``{system: <condition>}``) names one, and the tick takes the step on the first day it holds.

A condition reads only the request (its effective date, its data, the rule versions it recorded), so the
tick needs no query per request to decide. ``rule`` names the dated rule a condition reads: a proposal
records its version with the guards' (``workflows.proposals``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from server.clock import today_in_jakarta
from server.models import WorkflowRequest
from server.rules import rule_by_id, rules_for

ConditionFn = Callable[[WorkflowRequest, dt.date], bool]


@dataclass(frozen=True)
class Condition:
    name: str
    holds: ConditionFn
    rule: str | None = None


CONDITIONS: dict[str, Condition] = {}


def condition(name: str, rule: str | None = None) -> Callable[[ConditionFn], ConditionFn]:
    """Register ``fn(request, today) -> bool`` as the scheduler condition ``name``."""

    def register(fn: ConditionFn) -> ConditionFn:
        CONDITIONS[name] = Condition(name, fn, rule)
        return fn

    return register


def holds(name: str, request: WorkflowRequest, today: dt.date) -> bool:
    """Whether condition ``name`` holds for ``request`` today (an unknown name never holds)."""
    found = CONDITIONS.get(name)
    return found is not None and found.holds(request, today)


@condition("effective_date_reached")
def effective_date_reached(request: WorkflowRequest, today: dt.date) -> bool:
    return request.effective_date is not None and request.effective_date <= today


@condition("objection_window_closed", rule="evaluation.objection_window")
def objection_window_closed(request: WorkflowRequest, today: dt.date) -> bool:
    delivered = request.delivered_on
    if delivered is None:
        return False
    return delivered + dt.timedelta(days=_window_days(request)) < today


def _window_days(request: WorkflowRequest) -> int:
    recorded = (request.rule_versions or {}).get("evaluation.objection_window")
    if recorded:
        return rule_by_id(recorded).int("days")
    return rules_for("evaluation.objection_window", request.effective_date or today_in_jakarta()).int("days")
