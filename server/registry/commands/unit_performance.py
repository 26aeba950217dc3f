"""Setting a unit's own performance predicate for a year (PermenPANRB 6/2022), through the write path.

The predicate is decided for the unit by the leadership above it; BKD officials (or administrators)
record it. It caps the predicates the unit's appraisers may give (``workflows.distribution``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry
from server.authority import Actor
from server.clock import today_in_jakarta
from server.commands import CommandResult
from server.db import Database
from server.errors import CommandRefused, ErrorCode, UserError, validation
from server.models import UnitPerformance
from server.models.org import ORGANISATION_PREDICATES
from server.registry import queries as registry
from server.registry.commands import common

REFUSED = "unit.performance.refused"


def _check(predicate: str, year: int, today: dt.date) -> None:
    errors = []
    if predicate not in ORGANISATION_PREDICATES:
        choices = ", ".join(ORGANISATION_PREDICATES)
        errors.append(validation("predicate", f"predicate {predicate!r} is not one of {choices}"))
    if not 2000 <= year <= today.year:
        errors.append(validation("year", f"year {year} must be between 2000 and {today.year}"))
    if errors:
        raise CommandRefused(*errors)


async def set_unit_performance(
    db: Database,
    actor: Actor,
    *,
    unit_code: str,
    year: int,
    predicate: str,
    idempotency_key: str | None = None,
    today: dt.date | None = None,
) -> CommandResult:
    """Record ``unit_code``'s own predicate for ``year``; the answer's ``entity_id`` is the unit's id."""
    day = today or today_in_jakarta()
    code = unit_code.strip()

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        # No role of the actor may record a unit's predicate anywhere: refused before the unit is looked up.
        common.require(actor, actor.may_somewhere("unit", "set_performance", unit_code=code), REFUSED, "unit", code)
        unit = await registry.unit_by_code(session, code)
        if unit is None:
            raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"no unit has code {code!r}", "unitCode"))
        verdict = actor.may("unit", "set_performance", unit_path=unit.path, unit_code=unit.code)
        common.require(actor, verdict, REFUSED, "unit", unit.code)
        _check(predicate, year, day)
        row = await session.get(UnitPerformance, (unit.id, year), with_for_update=True)
        before = {"year": year, "predicate": row.predicate} if row is not None else None
        if row is None:
            session.add(UnitPerformance(unit_id=unit.id, year=year, predicate=predicate))
        else:
            row.predicate = predicate
        await session.flush()
        after = {"year": year, "predicate": predicate}
        return unit.id, [common.event(actor, "unit.performance_set", "unit", unit.code, after=after, before=before)]

    payload = {"unitCode": code, "year": year, "predicate": predicate}
    return await common.run(db, actor, "setUnitPerformance", payload, idempotency_key, body)
