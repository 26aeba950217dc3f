"""What a guard or an effect sees: the request, its subject and positions, the step's data, and the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Employee, Position, WorkflowRequest
from server.rules import RuleVersion, rule_by_id, rules_for
from workflows import facts


@dataclass
class StepContext:
    session: AsyncSession
    request: WorkflowRequest
    subject: Employee
    position: Position | None
    origin_position: Position | None
    today: dt.date
    action_data: Mapping[str, Any] = field(default_factory=dict)
    _history: list[facts.Stint] | None = None

    @property
    def on(self) -> dt.date:
        """The date the request is judged on: its effective date (today when it has none)."""
        return self.request.effective_date or self.today

    def rule(self, name: str) -> RuleVersion:
        """The version the request recorded, else the one in force on its effective date."""
        recorded = (self.request.rule_versions or {}).get(name)
        return rule_by_id(recorded) if recorded else rules_for(name, self.on)

    async def history(self) -> list[facts.Stint]:
        if self._history is None:
            self._history = await facts.stints(self.session, self.subject.id)
        return self._history
