"""``grantRole``, ``revokeRole`` and ``delegateRole``: administration of dated role grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from policies import admin
from schema.context import Info
from schema.types.access import RoleGrant
from schema.types.errors import UserError, user_errors
from server.models import RoleGrant as RoleGrantRow
from workflows.errors import CommandRefused
from workflows.refusals import audit_refusal


@strawberry.input
class GrantRoleInput:
    user_id: str
    role: str
    unit_code: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    acting: str | None = strawberry.field(default=None, description="plt or plh for an acting official")


@strawberry.input
class RevokeRoleInput:
    user_id: str
    role: str
    unit_code: str | None = None


@strawberry.input
class DelegateRoleInput:
    to_user_id: str
    role: str
    unit_code: str | None = None
    valid_from: dt.date
    valid_to: dt.date


@strawberry.type
class GrantPayload:
    grant: RoleGrant | None
    errors: list[UserError]


async def _run(
    info: Info,
    action: str,
    target: str,
    command: Callable[[AsyncSession], Awaitable[RoleGrantRow]],
    unit_code: str | None,
) -> GrantPayload:
    ctx = info.context
    try:
        async with ctx.db.write() as session:
            row = await command(session)
            grant = RoleGrant(
                user_id=row.user_id,
                role=row.role,
                unit_code=unit_code,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                acting=row.acting,
                revoked=row.revoked_at is not None,
            )
    except CommandRefused as refused:
        await audit_refusal(
            ctx.db, ctx.viewer, action=action, entity_type="role_grant", entity_id=target, errors=refused.errors
        )
        return GrantPayload(grant=None, errors=user_errors(refused.errors))
    return GrantPayload(grant=grant, errors=[])


@strawberry.type
class AdminMutation:
    @strawberry.mutation
    async def grant_role(self, info: Info, input: GrantRoleInput) -> GrantPayload:
        viewer = info.context.viewer
        return await _run(
            info,
            "role.grant",
            input.user_id,
            lambda s: admin.grant_role(
                s,
                viewer,
                user_id=input.user_id,
                role=input.role,
                unit_code=input.unit_code,
                valid_from=input.valid_from,
                valid_to=input.valid_to,
                acting=input.acting,
            ),
            input.unit_code,
        )

    @strawberry.mutation
    async def revoke_role(self, info: Info, input: RevokeRoleInput) -> GrantPayload:
        viewer = info.context.viewer
        return await _run(
            info,
            "role.revoke",
            input.user_id,
            lambda s: admin.revoke_role(s, viewer, user_id=input.user_id, role=input.role, unit_code=input.unit_code),
            input.unit_code,
        )

    @strawberry.mutation
    async def delegate_role(self, info: Info, input: DelegateRoleInput) -> GrantPayload:
        viewer = info.context.viewer
        return await _run(
            info,
            "role.delegate",
            input.to_user_id,
            lambda s: admin.delegate_role(
                s,
                viewer,
                to_user_id=input.to_user_id,
                role=input.role,
                unit_code=input.unit_code,
                valid_from=input.valid_from,
                valid_to=input.valid_to,
            ),
            input.unit_code,
        )
