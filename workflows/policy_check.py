"""``asnflow policy check USER ACTION request:ID`` for a step: the request's state, route, SoD and guards.

``explain`` and ``policy check`` give one answer: the step is allowed only when the viewer may take it from
the request's state and its guards would pass on the request's effective date (``workflows.preview``).
Registered with ``policies.cli`` when this module is imported (the ``workflows`` command line does).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies import cli
from policies.decide import Decision
from policies.viewer import Viewer
from workflows import catalog
from workflows import queries as wq
from workflows.repository import lists


async def check_step(
    session: AsyncSession, viewer: Viewer, request_id: int, action: str, on: dt.date
) -> Decision | None:
    """The decision on taking ``action`` on request ``request_id`` on ``on``; None when it is not one of its steps."""
    row = (await lists.requests_by_id(session, [request_id])).get(request_id)
    if row is None or action not in catalog.by_version(row.definition_version).action_names():
        return None
    standing = (await wq.standings(session, viewer, [row], on))[row.id]
    allowed, reasons = await wq.explain_with_guards(session, row, viewer, standing, action, on)
    return Decision(allowed, "; ".join(reasons) or ("allowed" if allowed else "refused"))


cli.consider_requests_with(check_step)
