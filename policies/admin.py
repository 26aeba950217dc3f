"""Role administration: grant, revoke and delegate dated roles in units, audited in the same transaction.

Acting officials (Plt, Plh) and out-of-office delegations are ordinary grants with an ``acting`` mark
and an end date: they stop applying on their own once ``valid_to`` has passed (the viewer only loads
grants in force today). Every change bumps the policy version, so other processes forget memoised
answers, and is refused as data (``CommandRefused``) when the actor may not make it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import covers, decide
from policies.enforcer import ROLES, get_enforcer
from policies.notify import bump_policy_version
from policies.viewer import Viewer
from server.audit.writer import AuditEntry, append
from server.models import RoleGrant, Unit
from workflows.errors import CommandRefused, ErrorCode, UserError, validation

ACTING_KINDS = ("plt", "plh", "delegation")


def grant_record(grant: RoleGrant, unit_code: str | None) -> dict[str, Any]:
    """The grant as stored in the audit log."""
    return {
        "id": grant.id,
        "userId": grant.user_id,
        "role": grant.role,
        "unitCode": unit_code,
        "validFrom": grant.valid_from,
        "validTo": grant.valid_to,
        "acting": grant.acting,
        "grantedBy": grant.granted_by,
        "revokedAt": grant.revoked_at,
    }


def _forbidden(message: str) -> CommandRefused:
    return CommandRefused(UserError(ErrorCode.FORBIDDEN, message))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise CommandRefused(validation("role", f"role {role!r} does not exist; use one of {', '.join(ROLES)}"))


async def _unit(session: AsyncSession, unit_code: str | None) -> Unit | None:
    if unit_code is None:
        return None
    found = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar_one_or_none()
    if found is None:
        raise CommandRefused(validation("unitCode", f"unit {unit_code!r} does not exist; give a unit code"))
    return found


def _administers(actor: Viewer, action: str) -> None:
    if not any(get_enforcer().permits(g.role, "grant", action) for g in actor.grants):
        raise _forbidden(f"only an administrator may {action} roles")


def _authorize(actor: Viewer, action: str, unit: Unit | None) -> None:
    """Administrators in a unit administer its subtree; province-wide grants need a province-wide admin."""
    decision = decide(
        actor, obj="grant", action=action, unit_path=unit.path if unit else None, unit_code=unit.code if unit else None
    )
    if not decision.allowed:
        raise _forbidden(decision.reason)


def _check_dates(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise CommandRefused(
            validation("validTo", f"validTo {valid_to.isoformat()} is before validFrom {valid_from.isoformat()}")
        )


async def _record(
    session: AsyncSession,
    actor: Viewer,
    action: str,
    grant: RoleGrant,
    unit: Unit | None,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    await bump_policy_version(session)
    await append(
        session,
        [
            AuditEntry(
                actor=actor.user_id or "public",
                actor_roles=sorted(actor.roles),
                action=action,
                entity_type="role_grant",
                entity_id=str(grant.id),
                before=before,
                after=grant_record(grant, unit.code if unit else None),
            )
        ],
    )


async def grant_role(
    session: AsyncSession,
    actor: Viewer,
    *,
    user_id: str,
    role: str,
    unit_code: str | None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    acting: str | None = None,
) -> RoleGrant:
    """Grant ``role`` to ``user_id`` in ``unit_code``'s subtree (None: province-wide) for the period given.

    ``acting`` marks a Plt/Plh grant, which must have an end date.
    """
    _administers(actor, "grant")
    _check_role(role)
    unit = await _unit(session, unit_code)
    _check_dates(valid_from, valid_to)
    _authorize(actor, "grant", unit)
    if acting is not None and acting not in ACTING_KINDS:
        raise CommandRefused(validation("acting", f"acting {acting!r} must be one of {', '.join(ACTING_KINDS)}"))
    if acting is not None and valid_to is None:
        raise CommandRefused(validation("validTo", f"an acting ({acting}) grant needs validTo, the day it ends"))
    if user_id == actor.user_id:
        raise _forbidden("nobody may grant a role to themselves (segregation of duties); ask another administrator")
    grant = RoleGrant(
        user_id=user_id,
        role=role,
        unit_id=unit.id if unit else None,
        valid_from=valid_from,
        valid_to=valid_to,
        acting=acting,
        granted_by=actor.user_id,
        granted_at=dt.datetime.now(dt.UTC),
    )
    session.add(grant)
    await session.flush()
    await _record(session, actor, "role.granted", grant, unit)
    return grant


async def revoke_role(
    session: AsyncSession, actor: Viewer, *, user_id: str, role: str, unit_code: str | None
) -> RoleGrant:
    """End ``user_id``'s grants of ``role`` in ``unit_code`` now; returns the (first) grant revoked."""
    _administers(actor, "revoke")
    _check_role(role)
    unit = await _unit(session, unit_code)
    _authorize(actor, "revoke", unit)
    where_unit = RoleGrant.unit_id == unit.id if unit else RoleGrant.unit_id.is_(None)
    grants = (
        (
            await session.execute(
                select(RoleGrant)
                .where(RoleGrant.user_id == user_id, RoleGrant.role == role, where_unit, RoleGrant.revoked_at.is_(None))
                .order_by(RoleGrant.id)
            )
        )
        .scalars()
        .all()
    )
    if not grants:
        place = f"in {unit_code}" if unit_code else "province-wide"
        raise CommandRefused(UserError(ErrorCode.NOT_FOUND, f"{user_id} holds no {role} grant {place} to revoke"))
    now = dt.datetime.now(dt.UTC)
    code = unit.code if unit else None
    for grant in grants:
        before = grant_record(grant, code)
        grant.revoked_at = now
        await session.flush()
        await _record(session, actor, "role.revoked", grant, unit, before=before)
    return grants[0]


async def delegate_role(
    session: AsyncSession,
    actor: Viewer,
    *,
    to_user_id: str,
    role: str,
    unit_code: str | None,
    valid_from: dt.date,
    valid_to: dt.date,
) -> RoleGrant:
    """Out-of-office: hand one's own ``role`` in ``unit_code`` to a colleague for a dated period.

    The actor must hold the role covering that unit (an original grant, not a delegation) for the
    whole period; the delegation ends by itself on ``valid_to``.
    """
    _check_role(role)
    unit = await _unit(session, unit_code)
    _check_dates(valid_from, valid_to)
    path = unit.path if unit else None
    own = [
        g
        for g in actor.grants
        if g.role == role
        and g.acting != "delegation"
        and covers(g.unit_path, path)
        and (g.valid_to is None or g.valid_to >= valid_to)
    ]
    if not own:
        place = f"in {unit_code}" if unit_code else "province-wide"
        raise _forbidden(f"you can delegate only a role you hold yourself: you hold no {role} {place} until {valid_to}")
    if to_user_id == actor.user_id:
        raise CommandRefused(validation("userId", "delegate to a colleague, not to yourself"))
    grant = RoleGrant(
        user_id=to_user_id,
        role=role,
        unit_id=unit.id if unit else None,
        valid_from=valid_from,
        valid_to=valid_to,
        acting="delegation",
        granted_by=actor.user_id,
        granted_at=dt.datetime.now(dt.UTC),
    )
    session.add(grant)
    await session.flush()
    await _record(session, actor, "role.delegated", grant, unit)
    return grant
