"""Auditing a refused command after its transaction rolled back: the trail shows who tried what."""

from __future__ import annotations

from collections.abc import Sequence

from policies.viewer import Viewer
from server.audit.writer import AuditEntry, append
from server.db import Database
from workflows.errors import ErrorCode, UserError

AUDITED_CODES = frozenset({ErrorCode.FORBIDDEN, ErrorCode.GUARD_FAILED})


async def audit_refusal(
    db: Database, viewer: Viewer, *, action: str, entity_type: str, entity_id: str, errors: Sequence[UserError]
) -> None:
    """Write one ``<action>.refused`` event when the refusal is FORBIDDEN or GUARD_FAILED.

    Plain validation errors are not audited: nothing was attempted that the policy had to stop.
    """
    codes = {e.code for e in errors}
    if not codes & AUDITED_CODES:
        return
    async with db.write() as session:
        await append(
            session,
            [
                AuditEntry(
                    actor=viewer.user_id or "anonymous",
                    actor_roles=sorted(viewer.roles),
                    action=f"{action}.refused",
                    entity_type=entity_type,
                    entity_id=entity_id,
                    after={"errors": [{"code": e.code.value, "message": e.message, "field": e.field} for e in errors]},
                    comment="; ".join(e.message for e in errors),
                )
            ],
        )
