"""What the core's registry commands ask the policy, declared here and answered by ``policies``.

The registry commands (``server.registry.commands``) authorize first like every command, but the policy lives
in the layer above the core. So the core declares the questions it asks (``Actor``) and the schema layer
passes in the caller as ``policies.authority.Acting``, which answers them with ``policies.decide`` and the
read rules. The core knows a decision only as allowed or refused with the reason in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Caller
from server.models import Employee


@dataclass(frozen=True)
class Verdict:
    """Allowed or refused, with the reason in words. ``hidden``: refused, and the caller may not even read
    the object, so a refusal must answer like an object that does not exist."""

    allowed: bool
    reason: str
    hidden: bool = False


class Actor(Caller, Protocol):
    """The caller of a registry command with the policy's answers about what they may do."""

    def may(self, obj: str, action: str, *, unit_path: str | None, unit_code: str | None = None) -> Verdict:
        """May the caller ``action`` an ``obj`` in the unit at ``unit_path`` (None: a province-level object)?"""
        ...

    def may_somewhere(self, obj: str, action: str, *, unit_code: str | None = None) -> Verdict:
        """Does any role of the caller let them ``action`` an ``obj`` anywhere (before the object is looked up)?
        ``unit_code`` only names the unit in the reason."""
        ...

    async def may_on(self, session: AsyncSession, subject: Employee, action: str, day: dt.date) -> Verdict:
        """May the caller ``action`` the employee ``subject`` (in the unit of their post on ``day``, or in a
        relation to them)? ``hidden`` when refused and the caller may not read the subject's file either."""
        ...
