"""Out-of-office delegation: a holder hands their own role to a colleague for a short, dated period.

Only roles the policy marks delegable (``p, ROLE, grant, delegate`` in ``policies/policy.csv``) can be
delegated; auditors and administrators cannot hand on theirs. The delegator must hold the role in their
own right (not as a delegate or acting official) over the unit they delegate in, for the whole period,
and the period is at most ``delegation.max_days`` (a dated rule, SE Kepala BKN 1/SE/I/2021). The new
grant records its source (``delegated_from``): the viewer loads it only while that grant is in force, so
revoking or ending the delegator's grant ends the delegation too. The delegator (or an administrator over
the unit) ends it early with ``end_delegation``. Acts done under it are audited on behalf of the delegator.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.admin import (
    add_grant,
    check_dates,
    check_role,
    grant_record,
    known_user,
    record,
    same_person,
    unit_of,
)
from policies.decide import covers, decide
from policies.enforcer import get_enforcer
from policies.viewer import Grant, Viewer
from server.clock import utcnow
from server.errors import CommandRefused, ErrorCode, UserError, validation
from server.models import RoleGrant, Unit
from server.rules import rules_for

RULE = "delegation.max_days"


def delegable(role: str) -> bool:
    """The policy lets a holder of ``role`` delegate it."""
    return get_enforcer().permits(role, "grant", "delegate") is not None


def _forbidden(message: str) -> CommandRefused:
    return CommandRefused(UserError(ErrorCode.FORBIDDEN, message))


def _source(actor: Viewer, role: str, path: str | None, valid_to: dt.date) -> Grant | None:
    """The actor's own grant of ``role`` that covers the unit for the whole period (longest first)."""
    own = [
        g
        for g in actor.grants
        if g.role == role
        and g.acting is None
        and g.id is not None
        and covers(g.unit_path, path)
        and (g.valid_to is None or g.valid_to >= valid_to)
    ]
    own.sort(key=lambda g: (g.valid_to is not None, g.valid_to or dt.date.max))
    return own[0] if own else None


async def delegate_role(
    session: AsyncSession,
    actor: Viewer,
    *,
    to_user_id: str,
    role: str,
    unit_code: str | None,
    valid_from: dt.date,
    valid_to: dt.date,
    today: dt.date,
) -> RoleGrant:
    """Hand ``role`` over ``unit_code``'s subtree to ``to_user_id`` from ``valid_from`` to ``valid_to``."""
    if not actor.authenticated:
        raise _forbidden("sign in to delegate a role")
    check_role(role)
    if not delegable(role):
        raise _forbidden(
            f"the policy does not let {role} be delegated; ask an administrator to appoint an acting official"
        )
    unit = await unit_of(session, unit_code)
    path = unit.path if unit else None
    source = _source(actor, role, path, valid_to)
    if source is None:
        place = f"in {unit_code}" if unit_code else "province-wide"
        raise _forbidden(
            f"you can delegate only a role you hold yourself (not as a delegate or acting official) over the "
            f"unit: you hold no {role} {place} until {valid_to}"
        )
    check_dates(valid_from, valid_to)
    if valid_from < today:
        raise CommandRefused(
            validation(
                "validFrom",
                f"validFrom {valid_from} is in the past (today is {today}); a delegation starts today or later",
            )
        )
    rule = rules_for(RULE, valid_from)
    longest, days = rule.int("days"), (valid_to - valid_from).days + 1
    if days > longest:
        last_day = valid_from + dt.timedelta(days=longest - 1)
        raise CommandRefused(
            validation(
                "validTo",
                f"a delegation lasts at most {longest} days; {valid_from} to {valid_to} is {days} days: end it by "
                f"{last_day}",
                rule,
            )
        )
    to_user = await known_user(session, to_user_id, "toUserId")
    if same_person(actor, to_user):
        raise CommandRefused(validation("toUserId", "delegate to a colleague, not to yourself"))
    dates = {"valid_from": valid_from, "valid_to": valid_to}
    delegated = {"acting": "delegation", "delegated_from": source.id}
    return await add_grant(session, actor, unit, "role.delegated", user_id=to_user, role=role, **dates, **delegated)


async def end_delegation(session: AsyncSession, actor: Viewer, *, grant_id: int) -> RoleGrant:
    """End a delegation now: by its delegator, or by an administrator over its unit."""
    found = (
        await session.execute(
            select(RoleGrant, Unit)
            .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
            .where(RoleGrant.id == grant_id, RoleGrant.acting == "delegation")
        )
    ).first()
    if found is None:
        raise CommandRefused(
            UserError(
                ErrorCode.NOT_FOUND, f"grant {grant_id} is not a delegation; give the id of a delegation", "grantId"
            )
        )
    grant, unit = found
    code, path = (unit.code, unit.path) if unit is not None else (None, None)
    delegator = grant.granted_by is not None and same_person(actor, grant.granted_by)
    if not delegator and not decide(actor, obj="grant", action="revoke", unit_path=path, unit_code=code).allowed:
        raise _forbidden(f"only the delegator ({grant.granted_by}) or an administrator may end delegation {grant_id}")
    if grant.revoked_at is not None:
        raise CommandRefused(
            UserError(
                ErrorCode.INVALID_TRANSITION, f"delegation {grant_id} already ended on {grant.revoked_at:%Y-%m-%d}"
            )
        )
    before = grant_record(grant, code)
    grant.revoked_at = utcnow()
    await session.flush()
    await record(session, actor, "role.delegation_ended", grant, unit, before=before)
    return grant
