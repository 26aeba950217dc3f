"""``RoleGrant`` (API.md): a role held in a unit's subtree (``unitCode`` null: province-wide)."""

from __future__ import annotations

import datetime as dt

import strawberry


@strawberry.type
class RoleGrant:
    role: str
    unit_code: str | None
    user_id: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    acting: str | None = None
    revoked: bool = False
    id: strawberry.ID | None = strawberry.field(
        default=None, description="the grant's id (endDelegation takes a delegation's id)"
    )
    delegated_by: str | None = strawberry.field(
        default=None, description="for a delegation: the holder who delegated their role"
    )
