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
