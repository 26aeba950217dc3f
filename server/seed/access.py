"""Accounts and role grants: every unit head can act for their unit, and every demo persona exists.

Each holder of a head post gets a user (id = NIP) and a ``unit_head`` grant in that unit from the
start of their post, so a workflow routed to any unit's head has someone to act on it. The demo
personas (server.seed.handles) get their accounts and the roles they demonstrate on top.
"""

from __future__ import annotations

import datetime as dt

from server.seed.calendar import REFERENCE_DATE
from server.seed.handles import HEAD, PERSONAS, PersonaHandle
from server.seed.people import Person
from server.seed.positions import PositionSpec

GRANTED_BY = "system"
GRANTED_AT = dt.datetime.combine(REFERENCE_DATE, dt.time(), tzinfo=dt.UTC)

Row = dict[str, object]


def access_rows(positions: list[PositionSpec], people: list[Person]) -> tuple[list[Row], list[Row]]:
    """``(users, role_grants)`` rows, heads in position order, then the personas in handle order."""
    by_position: dict[int, list[Person]] = {}
    for person in people:
        by_position.setdefault(person.position_id, []).append(person)
    users: dict[str, Row] = {}
    grants: list[Row] = []
    seen: set[tuple[str, str, int | None]] = set()

    def grant(user_id: str, role: str, unit_id: int | None, valid_from: dt.date) -> None:
        if (user_id, role, unit_id) in seen:
            return
        seen.add((user_id, role, unit_id))
        grants.append(
            {
                "id": len(grants) + 1,
                "user_id": user_id,
                "role": role,
                "unit_id": unit_id,
                "valid_from": valid_from,
                "valid_to": None,
                "acting": None,
                "granted_by": GRANTED_BY,
                "granted_at": GRANTED_AT,
                "revoked_at": None,
            }
        )

    def account(person: Person) -> str:
        users.setdefault(person.nip, {"id": person.nip, "name": person.name, "employee_id": person.id})
        return person.nip

    for position in positions:
        holders = by_position.get(position.id, [])
        if position.managerial and holders:
            grant(account(holders[0]), "unit_head", position.unit.id, holders[0].post_start)
    unit_ids = {p.unit.code: p.unit.id for p in positions}
    for handle in PERSONAS:
        unit_id = unit_ids[handle.grant_unit] if handle.grant_unit else None
        if handle.user_id:
            users.setdefault(handle.user_id, {"id": handle.user_id, "name": handle.name, "employee_id": None})
            grant(handle.user_id, handle.role, unit_id, handle.granted_from or REFERENCE_DATE)
            continue
        person = seat_holder(handle, positions, by_position)
        grant(account(person), handle.role, unit_id, person.post_start)
    return list(users.values()), grants


def seat_holder(handle: PersonaHandle, positions: list[PositionSpec], by_position: dict[int, list[Person]]) -> Person:
    """The person a handle names: the unit head, or the first holder (by id) of the unit's posts of a type."""
    candidates = [
        person
        for p in positions
        if p.unit.code == handle.seat_unit and (p.managerial if handle.seat == HEAD else p.type == handle.seat)
        for person in by_position.get(p.id, [])
    ]
    if not candidates:
        raise LookupError(f"persona {handle.key}: nobody holds a {handle.seat} post in {handle.seat_unit}")
    return min(candidates, key=lambda person: person.id)
