"""What a command may admit exists: the one place commands ask whether a person or a request is in the viewer's scope.

Commands authorize before they validate (DESIGN.md): a person or a request the viewer may neither read nor
act on is answered exactly as one that does not exist, so that proposals and ``act`` cannot be used to
learn which NIPs or request ids exist, whose they are, or what state they are in. Both questions are
asked here and nowhere else in the command path, so the read rule (``policies``) can change under them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.scope import registry_scope
from policies.viewer import Viewer
from server.models import Employee
from server.registry.queries import employee_visible
from workflows.authorize import Standing, visible


async def person_in_scope(
    session: AsyncSession, viewer: Viewer, subject: Employee, relations: frozenset[str], today: dt.date
) -> bool:
    """Whether the viewer may read ``subject`` at all: the same answer as the ``employee(nip)`` query, plus the
    relations the policy lets read a person (self, supervisor, superior)."""
    if relations:
        return True
    scope = registry_scope(viewer)
    return await employee_visible(
        session,
        subject.id,
        day=today,
        visible=None if scope.everything else scope.units_clause,
        self_id=viewer.employee_id,
    )


def request_in_scope(viewer: Viewer, standing: Standing) -> bool:
    """Whether the request exists for the viewer at all (outside their scope it reads as not found)."""
    return visible(viewer, standing)
