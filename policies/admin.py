"""Role administration: grant and revoke dated roles in units, audited in the same transaction.

Only administrators create grants (``p, admin, grant, grant``); holders hand on their own role only by
delegation (``policies.delegation``). Acting officials (Plt, Plh) are ordinary grants with an ``acting``
mark and an end date: they stop applying on their own once ``valid_to`` has passed (the viewer only
loads grants in force today). A grant goes to a known user (a user row, or an employee's NIP), named by
its canonical id, so ``"admin "`` or a NIP with display spaces is never a second person. Every change
bumps the policy version, so other processes forget memoised answers, and is refused as data
(``CommandRefused``) when the actor may not make it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import decide
from policies.enforcer import ROLES, get_enforcer
from policies.notify import bump_policy_version
from policies.viewer import Viewer
from server.audit.writer import AuditEntry, append
from server.clock import utcnow
from server.errors import CommandRefused, ErrorCode, UserError, validation
from server.identity import UserIdError, canonical_user_id
from server.models import Employee, RoleGrant, Unit, User

# What an administrator may mark a grant with; "delegation" is made only by ``delegateRole``.
ACTING_KINDS = ("plt", "plh")


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
        "delegatedFrom": grant.delegated_from,
    }


def _forbidden(message: str) -> CommandRefused:
    return CommandRefused(UserError(ErrorCode.FORBIDDEN, message))


def user_id_of(raw: str, field_name: str) -> str:
    """The canonical user id of a command's input, or VALIDATION naming ``field_name``."""
    try:
        return canonical_user_id(raw)
    except UserIdError as exc:
        raise CommandRefused(validation(field_name, f"{field_name}: {exc}")) from None


async def known_user(session: AsyncSession, raw: str, field_name: str) -> str:
    """The canonical id of an existing user (a user row, or an employee's NIP), or VALIDATION."""
    user_id = user_id_of(raw, field_name)
    found = (
        await session.execute(
            select(User.id).where(User.id == user_id).union_all(select(Employee.nip).where(Employee.nip == user_id))
        )
    ).first()
    if found is None:
        raise CommandRefused(
            validation(
                field_name,
                f"{field_name} {user_id!r} is no known user: give the NIP of an employee or the id of a registered user",
            )
        )
    return user_id


def same_person(actor: Viewer, user_id: str) -> bool:
    """``user_id`` (canonical) is the actor, by their user id or their NIP."""
    return user_id in {actor.user_id, actor.nip}


def check_role(role: str) -> None:
    if role not in ROLES:
        raise CommandRefused(validation("role", f"role {role!r} does not exist; use one of {', '.join(ROLES)}"))


async def unit_of(session: AsyncSession, unit_code: str | None) -> Unit | None:
    if unit_code is None:
        return None
    found = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar_one_or_none()
    if found is None:
        raise CommandRefused(validation("unitCode", f"unit {unit_code!r} does not exist; give a unit code"))
    return found


def administers(actor: Viewer, action: str) -> None:
    if not any(get_enforcer().permits(g.role, "grant", action) for g in actor.grants):
        raise _forbidden(f"only an administrator may {action} roles")


def _authorize(actor: Viewer, action: str, unit: Unit | None) -> None:
    """Administrators in a unit administer its subtree; province-wide grants need a province-wide admin."""
    decision = decide(
        actor, obj="grant", action=action, unit_path=unit.path if unit else None, unit_code=unit.code if unit else None
    )
    if not decision.allowed:
        raise _forbidden(decision.reason)


def check_dates(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise CommandRefused(
            validation("validTo", f"validTo {valid_to.isoformat()} is before validFrom {valid_from.isoformat()}")
        )


async def record(
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
    administers(actor, "grant")
    check_role(role)
    unit = await unit_of(session, unit_code)
    check_dates(valid_from, valid_to)
    _authorize(actor, "grant", unit)
    if acting is not None and acting not in ACTING_KINDS:
        raise CommandRefused(
            validation(
                "acting",
                f"acting {acting!r} must be one of {', '.join(ACTING_KINDS)}; a holder delegates with delegateRole",
            )
        )
    if acting is not None and valid_to is None:
        raise CommandRefused(validation("validTo", f"an acting ({acting}) grant needs validTo, the day it ends"))
    user_id = await known_user(session, user_id, "userId")
    if same_person(actor, user_id):
        raise _forbidden("nobody may grant a role to themselves (segregation of duties); ask another administrator")
    dates = {"valid_from": valid_from, "valid_to": valid_to}
    return await add_grant(session, actor, unit, "role.granted", user_id=user_id, role=role, **dates, acting=acting)


async def add_grant(
    session: AsyncSession, actor: Viewer, unit: Unit | None, audited_as: str, **columns: object
) -> RoleGrant:
    """A new grant in ``unit`` given by ``actor`` now (``columns`` say what it grants), audited as ``audited_as``."""
    grant = RoleGrant(unit_id=unit.id if unit else None, granted_by=actor.user_id, granted_at=utcnow(), **columns)
    session.add(grant)
    await session.flush()
    await record(session, actor, audited_as, grant, unit)
    return grant


async def revoke_role(
    session: AsyncSession, actor: Viewer, *, user_id: str, role: str, unit_code: str | None
) -> RoleGrant:
    """End ``user_id``'s grants of ``role`` in ``unit_code`` now; returns the (first) grant revoked."""
    administers(actor, "revoke")
    check_role(role)
    unit = await unit_of(session, unit_code)
    _authorize(actor, "revoke", unit)
    user_id = user_id_of(user_id, "userId")
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
    now = utcnow()
    code = unit.code if unit else None
    for grant in grants:
        before = grant_record(grant, code)
        grant.revoked_at = now
        await session.flush()
        await record(session, actor, "role.revoked", grant, unit, before=before)
    await _end_delegations_from(session, actor, [g.id for g in grants], now)
    return grants[0]


async def _end_delegations_from(session: AsyncSession, actor: Viewer, grant_ids: list[int], now: dt.datetime) -> None:
    """Revoke, audited, the delegations made from revoked grants (they stopped applying with them already:
    the viewer loads a delegation only while its source grant is in force; this makes the record say so)."""
    rows = (
        await session.execute(
            select(RoleGrant, Unit.code)
            .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
            .where(RoleGrant.delegated_from.in_(grant_ids), RoleGrant.revoked_at.is_(None))
            .order_by(RoleGrant.id)
        )
    ).all()
    for delegation, code in rows:
        before = grant_record(delegation, code)
        delegation.revoked_at = now
        await session.flush()
        await append(
            session,
            [
                AuditEntry(
                    actor=actor.user_id or "public",
                    actor_roles=sorted(actor.roles),
                    action="role.revoked",
                    entity_type="role_grant",
                    entity_id=str(delegation.id),
                    before=before,
                    after=grant_record(delegation, code),
                    comment=f"the delegator's grant {delegation.delegated_from} was revoked",
                )
            ],
        )
