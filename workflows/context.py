"""What a guard or an effect sees: the request, its subject and positions, the step's data, and the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Employee, Position, WorkflowRequest
from server.rules import RuleVersion, rule_by_id, rules_for
from workflows import facts, facts_many

T = TypeVar("T")


@dataclass
class StepContext:
    session: AsyncSession
    request: WorkflowRequest
    subject: Employee
    position: Position | None
    origin_position: Position | None
    today: dt.date
    action_data: Mapping[str, Any] = field(default_factory=dict)
    _answers: dict[facts.Question[Any], Any] = field(default_factory=dict)

    @property
    def on(self) -> dt.date:
        """The date the request is judged on: its effective date (today when it has none)."""
        return self.request.effective_date or self.today

    def rule(self, name: str) -> RuleVersion:
        """The version the request recorded, else the one in force on its effective date."""
        recorded = (self.request.rule_versions or {}).get(name)
        return rule_by_id(recorded) if recorded else rules_for(name, self.on)

    async def ask(self, questions: Iterable[facts.Question[Any]]) -> None:
        """Answer, in one statement, the ``questions`` this step has not asked yet."""
        new = [q for q in questions if q not in self._answers]
        unioned = [q for q in new if q.unioned]
        if unioned:
            self._answers.update(await facts.answer(self.session, unioned))
        if len(unioned) < len(new):
            self._answers.update(await facts_many.answer_many(self.session, [q for q in new if not q.unioned]))

    def known(self, answers: Mapping[facts.Question[Any], Any]) -> None:
        """Take answers read for a whole page (``workflows.preview``), so the guards ask nothing more."""
        self._answers.update(answers)

    async def fact(self, question: facts.Question[T]) -> T:
        """The answer to ``question``, read once per step (usually already asked with the step's other guards')."""
        if question not in self._answers:
            await self.ask([question])
        return cast(T, self._answers[question])

    async def history(self) -> list[facts.Stint]:
        return await self.fact(facts.HistoryOf(self.subject.id))
