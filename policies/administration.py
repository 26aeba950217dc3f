"""Role administration (grantRole, revokeRole, delegateRole) through the shared write path.

``policies.admin`` makes the change and appends its audit event in the transaction ``run_command`` opens;
here a FORBIDDEN refusal becomes an audited one (written after the rollback), and an idempotent replay
answers the grant the first call made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer
from server.audit.writer import AuditEntry
from server.commands import CommandResult, run_command
from server.db import Database
from server.errors import AuditedRefusal, CommandRefused, ErrorCode
from server.models import RoleGrant

Change = Callable[[AsyncSession], Awaitable[RoleGrant]]


async def administer(
    db: Database,
    viewer: Viewer,
    *,
    command: str,
    action: str,
    target: str,
    payload: Mapping[str, Any],
    idempotency_key: str | None,
    change: Change,
) -> tuple[RoleGrant | None, CommandResult]:
    """Run one grant change; the grant row it made or changed (None when refused) and the command's result."""
    made: list[RoleGrant] = []

    async def body(session: AsyncSession) -> tuple[int, list[AuditEntry]]:
        try:
            row = await change(session)
        except AuditedRefusal:
            raise
        except CommandRefused as refusal:
            if any(e.code == ErrorCode.FORBIDDEN for e in refusal.errors):
                raise AuditedRefusal.of(
                    viewer, *refusal.errors, action=f"{action}.refused", entity_type="role_grant", entity_id=target
                ) from None
            raise
        made.append(row)
        return row.id, []  # policies.admin appended the grant's own event in this transaction

    result = await run_command(db, viewer, command=command, payload=payload, idempotency_key=idempotency_key, body=body)
    if not result.ok or result.entity_id is None:
        return None, result
    if made:
        return made[0], result
    async with db.read() as session:  # a replay of an idempotency key: the grant the first call made
        return await session.get(RoleGrant, result.entity_id), result
