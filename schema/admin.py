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
from workflows.administration import administer


@strawberry.input
class GrantRoleInput:
    user_id: str
    role: str
    unit_code: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    acting: str | None = strawberry.field(default=None, description="plt or plh for an acting official")
    idempotency_key: str | None = None


@strawberry.input
class RevokeRoleInput:
    user_id: str
    role: str
    unit_code: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class DelegateRoleInput:
    to_user_id: str
    role: str
    unit_code: str | None = None
    valid_from: dt.date
    valid_to: dt.date
    idempotency_key: str | None = None


@strawberry.type
class GrantPayload:
    grant: RoleGrant | None
    errors: list[UserError]


async def _run(
    info: Info,
    command: str,
    action: str,
    target: str,
    input: object,
    change: Callable[[AsyncSession], Awaitable[RoleGrantRow]],
    unit_code: str | None,
) -> GrantPayload:
    ctx = info.context
    values = {k: v for k, v in vars(input).items() if k != "idempotency_key"}
    row, result = await administer(
        ctx.db,
        ctx.viewer,
        command=command,
        action=action,
        target=target,
        payload=values,
        idempotency_key=getattr(input, "idempotency_key", None),
        change=change,
    )
    if row is None:
        return GrantPayload(grant=None, errors=user_errors(result.errors))
    grant = RoleGrant(
        user_id=row.user_id,
        role=row.role,
        unit_code=unit_code,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        acting=row.acting,
        revoked=row.revoked_at is not None,
    )
    return GrantPayload(grant=grant, errors=[])


@strawberry.type
class AdminMutation:
    @strawberry.mutation
    async def grant_role(self, info: Info, input: GrantRoleInput) -> GrantPayload:
        viewer = info.context.viewer
        return await _run(
            info,
            "grantRole",
            "role.grant",
            input.user_id,
            input,
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
            "revokeRole",
            "role.revoke",
            input.user_id,
            input,
            lambda s: admin.revoke_role(s, viewer, user_id=input.user_id, role=input.role, unit_code=input.unit_code),
            input.unit_code,
        )

    @strawberry.mutation
    async def delegate_role(self, info: Info, input: DelegateRoleInput) -> GrantPayload:
        viewer = info.context.viewer
        return await _run(
            info,
            "delegateRole",
            "role.delegate",
            input.to_user_id,
            input,
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
