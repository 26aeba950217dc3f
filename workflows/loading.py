"""Loading a request with what its steps read, and how the viewer stands to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.relations import relations_to
from policies.viewer import Viewer
from workflows import catalog, repository
from workflows.authorize import Standing, UnitRef
from workflows.steps import Loaded


async def load(session: AsyncSession, request_id: int, *, lock: bool) -> Loaded | None:
    """The request (locked on PostgreSQL when ``lock``) with its subject, positions and units: one statement."""
    row = await repository.request_row(session, request_id, lock=lock)
    if row is None:
        return None
    request = row.request
    return Loaded(
        request=request,
        definition=catalog.by_version(request.definition_version),
        subject=row.subject,
        position=row.position,
        origin_position=row.origin_position,
        units=unit_map(row.units, request.unit_id, request.origin_unit_id),
        approvals=row.approvals,
    )


SUPERVISORY = frozenset({"supervisor", "superior"})


def _steps_need_supervisors(loaded: Loaded, action: str | None) -> bool:
    definition, state = loaded.definition, loaded.request.state
    if any(
        actor.relation in SUPERVISORY
        for step in definition.actions_from(state)
        for actor in definition.actors_of(step, state)
    ):
        return True
    return action is not None and any(
        actor.relation in SUPERVISORY
        for step in definition.actions
        if step.name == action
        for source in step.sources
        for actor in definition.actors_of(step, source)
    )


async def standing_of(
    session: AsyncSession, viewer: Viewer, loaded: Loaded, today: dt.date, *, action: str | None = None
) -> Standing:
    """How the viewer stands to the request; the position tree is walked only when it can matter.

    Being the subject is a comparison. Supervisor and superior relations cost a recursive query, so
    they are computed when the current state has a supervisory step, or when ``action`` (the one ``act`` is
    asked to take) is a supervisory step in some state (whether the viewer may ever take it is decided
    before the state is looked at); whether the viewer may read the request at all is ``policies.read``'s
    question, not this one's.
    """
    if loaded.request.subject_position_id is not None:
        return loaded.standing(frozenset())  # about a position: its subject is the proposer, not a case of theirs
    if viewer.employee_id is not None and viewer.employee_id == loaded.subject.id:
        return loaded.standing(frozenset({"self"}))
    standing = loaded.standing(frozenset())
    if viewer.employee_id is None:
        return standing
    if _steps_need_supervisors(loaded, action):
        return loaded.standing(await relations_to(session, viewer, loaded.subject.id, today))
    return standing


def unit_map(refs: dict[int, UnitRef], request_unit: int | None, origin_unit: int | None) -> dict[str, UnitRef]:
    units: dict[str, UnitRef] = {}
    if request_unit in refs:
        units["request"] = refs[request_unit]
    if origin_unit in refs:
        units["origin"] = refs[origin_unit]
    elif "request" in units:
        units["origin"] = units["request"]
    return units
