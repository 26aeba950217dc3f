"""Loading a request with what its steps read, and how the viewer stands to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from policies.relations import relations_to
from policies.viewer import Viewer
from server.models import Employee
from workflows import catalog, repository
from workflows.authorize import Standing, UnitRef
from workflows.steps import Loaded


async def load(session: AsyncSession, request_id: int, *, lock: bool) -> Loaded | None:
    request = await repository.load_request(session, request_id, lock=lock)
    if request is None:
        return None
    subject = await session.get(Employee, request.subject_employee_id)
    assert subject is not None
    position = await repository.position_by_id(session, request.position_id)
    origin = await repository.position_by_id(session, request.origin_position_id)
    origin_unit = request.data.get("originUnitId")
    refs = await repository.unit_refs(session, [request.unit_id, origin_unit])
    return Loaded(
        request=request,
        definition=catalog.by_version(request.definition_version),
        subject=subject,
        position=position,
        origin_position=origin,
        units=unit_map(refs, request.unit_id, origin_unit),
    )


async def standing_of(session: AsyncSession, viewer: Viewer, loaded: Loaded, today: dt.date) -> Standing:
    relations = await relations_to(session, viewer, loaded.subject.id, today)
    return loaded.standing(relations)


def unit_map(refs: dict[int, UnitRef], request_unit: int | None, origin_unit: int | None) -> dict[str, UnitRef]:
    units: dict[str, UnitRef] = {}
    if request_unit in refs:
        units["request"] = refs[request_unit]
    if origin_unit in refs:
        units["origin"] = refs[origin_unit]
    elif "request" in units:
        units["origin"] = units["request"]
    return units
