"""The candidate's fit shown on placement and position-promotion requests (issue 14 item 2).

For a page of requests, the fit of each request's subject to its position, today, in a constant number of
statements (the people's files, the catalogue, the requirements, the sources). Shown only where the viewer
may read the subject's file (``policies.read.readable_files``): the reasons are file data. It advises; the
request's guards decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from policies.read import readable_files
from policies.viewer import Viewer
from server.models import WorkflowRequest
from server.registry.queries import employees_by_id, positions_by_id
from workflows import competency

KINDS = frozenset({"PLACEMENT", "POSITION_PROMOTION"})


async def request_fits(
    session: AsyncSession, viewer: Viewer, requests: Sequence[WorkflowRequest], today: dt.date
) -> dict[int, competency.Fit]:
    """``request id -> Fit`` for the requests that place their subject into a position the viewer may see
    the fit of; the others are left out (null)."""
    asked = [r for r in requests if r.kind in KINDS and r.position_id is not None]
    if not asked:
        return {}
    files = await readable_files(session, viewer, today, [r.subject_employee_id for r in asked])
    asked = [r for r in asked if r.subject_employee_id in files]
    if not asked:
        return {}
    people = await employees_by_id(session, [r.subject_employee_id for r in asked])
    positions = await positions_by_id(session, [r.position_id for r in asked if r.position_id is not None])
    known = await competency.catalogue(session)
    needs = await competency.requirements(session, list(positions.values()), known)
    has = await competency.held(session, list(people.values()), today, known)
    return {
        r.id: competency.fit(needs[r.position_id], has[r.subject_employee_id])
        for r in asked
        if r.position_id is not None
    }
