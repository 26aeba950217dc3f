"""The viewer as the core's registry commands see them (``server.authority.Actor``): who they are and what the
policy lets them do, answered by ``policies.decide``, the relations and the read rule of a person's file.

The schema layer passes ``Acting(viewer)`` to ``server.registry.commands``; the core never imports this layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.enforcer import get_enforcer
from policies.reach import person_in_scope
from policies.relations import relations_to
from policies.viewer import Viewer
from server.authority import Verdict
from server.models import Employee, Unit
from server.registry import queries as registry


@dataclass(frozen=True)
class Acting:
    """``viewer`` sending a registry command (implements ``server.authority.Actor``)."""

    viewer: Viewer

    @property
    def user_id(self) -> str | None:
        return self.viewer.user_id

    @property
    def roles(self) -> Set[str]:
        return self.viewer.roles

    def may(self, obj: str, action: str, *, unit_path: str | None, unit_code: str | None = None) -> Verdict:
        decision = decide(self.viewer, obj=obj, action=action, unit_path=unit_path, unit_code=unit_code)
        return Verdict(decision.allowed, decision.reason)

    def may_somewhere(self, obj: str, action: str, *, unit_code: str | None = None) -> Verdict:
        enforcer = get_enforcer()
        if any(enforcer.permits(g.role, obj, action) for g in self.viewer.grants):
            return Verdict(True, f"allowed: a role of yours may {action.replace('_', ' ')} {obj.replace('_', ' ')}")
        return Verdict(False, self.may(obj, action, unit_path=None, unit_code=unit_code).reason)

    async def may_on(self, session: AsyncSession, subject: Employee, action: str, day: dt.date) -> Verdict:
        post = await registry.current_position(session, subject.id, day)
        unit = await session.get(Unit, post.unit_id) if post is not None else None
        relations = await relations_to(session, self.viewer, subject.id, day)
        decision = decide(
            self.viewer,
            obj="employee",
            action=action,
            unit_path=unit.path if unit else None,
            relations=relations,
            unit_code=unit.code if unit else None,
        )
        if decision.allowed:
            return Verdict(True, decision.reason)
        hidden = not await person_in_scope(session, self.viewer, subject, relations, day)
        return Verdict(False, decision.reason, hidden)
