"""What a command may admit exists: the one place commands ask whether a person is in the viewer's scope.

Commands authorize before they validate (DESIGN.md): a person the viewer may neither read nor act on is
answered exactly as one that does not exist, so that proposals and record commands cannot be used to learn
which NIPs exist or whose they are. The answer is ``policies.read``'s file rule (the one ``employee(nip)``
asks), plus the relations the policy lets act on a person (self, supervisor, superior). Requests are
``policies.read.may_read_request``'s question, asked by ``act`` and ``explain``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies import read
from policies.viewer import Viewer
from server.models import Employee


async def person_in_scope(
    session: AsyncSession, viewer: Viewer, subject: Employee, relations: frozenset[str], today: dt.date
) -> bool:
    """Whether the viewer may read ``subject``'s file (as ``employee(nip)`` would answer), or stands in a
    relation to them that the policy lets act."""
    if relations:
        return True
    return subject.id in await read.readable_files(session, viewer, today, [subject.id])
