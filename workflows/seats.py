"""The seats of a position taken on a day, for the registry's commands (``server.registry.commands``):
registering an employee into a position and lowering its quota count the holders and the requests decided
into it, which hold their seats until they take effect (``facts.SlotOf``, as the ``slot_vacant`` guard)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from server.registry.commands.common import Seats
from workflows import facts


async def seats_taken(session: AsyncSession, position_id: int, on: dt.date) -> Seats:
    """``server.registry.commands.common.SeatsTaken``: no request is left out (none is asking)."""
    slot = await facts.ask(session, facts.SlotOf(position_id, on, None))
    return Seats(len(slot.holders), slot.pending)
