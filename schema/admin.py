"""``grantRole``, ``revokeRole``, ``delegateRole`` and ``endDelegation``: administration of dated role grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies import admin, delegation
from policies.administration import administer
from schema.context import Info
from schema.types.access import RoleGrant
from schema.types.errors import UserError, user_errors
from server.ids import parse_row_id
from server.models import RoleGrant as RoleGrantRow
from server.models import Unit


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


@strawberry.input
class EndDelegationInput:
    grant_id: strawberry.ID = strawberry.field(description="the id of the delegation (RoleGrant.id)")
    idempotency_key: str | None = None


@strawberry.type
class GrantPayload:
    grant: RoleGrant | None
    errors: list[UserError]


def _arguments(input: object) -> dict[str, Any]:
    """An input's fields but its idempotency key: the arguments of the change, of the same names."""
    return {k: v for k, v in vars(input).items() if k != "idempotency_key"}


async def _run(
    info: Info,
    command: str,
    action: str,
    target: str,
    input: object,
    change: Callable[[AsyncSession], Awaitable[RoleGrantRow]],
    unit_code: str | None,
) -> GrantPayload:
    """Run the change; ``unit_code`` None takes the unit of the grant it changed."""
    ctx = info.context
    values = _arguments(input)
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
    if unit_code is None and row.unit_id is not None:
        async with ctx.db.read() as session:
            unit_code = await session.scalar(select(Unit.code).where(Unit.id == row.unit_id))
    grant = RoleGrant(
        user_id=row.user_id,
        role=row.role,
        unit_code=unit_code,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        acting=row.acting,
        revoked=row.revoked_at is not None,
        id=strawberry.ID(str(row.id)),
        delegated_by=row.granted_by if row.acting == "delegation" else None,
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
            lambda s: admin.grant_role(s, viewer, **_arguments(input)),
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
            lambda s: admin.revoke_role(s, viewer, **_arguments(input)),
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
            lambda s: delegation.delegate_role(s, viewer, **_arguments(input), today=info.context.today),
            input.unit_code,
        )

    @strawberry.mutation(description="End a delegation before its validTo: by its delegator or an administrator.")
    async def end_delegation(self, info: Info, input: EndDelegationInput) -> GrantPayload:
        viewer = info.context.viewer
        grant_id = parse_row_id(input.grant_id) or 0  # no row has id 0: answered as not found
        return await _run(
            info,
            "endDelegation",
            "role.end_delegation",
            str(input.grant_id),
            input,
            lambda s: delegation.end_delegation(s, viewer, grant_id=grant_id),
            None,
        )
