"""Viewers built in memory for policy tests; database rows come from ``tests.factories``."""

from __future__ import annotations

from policies.viewer import Grant, Viewer
from server.models import Unit


def viewer(role: str, in_unit: Unit | None = None, employee_id: int | None = None, user_id: str = "v") -> Viewer:
    """A viewer holding one role, without touching the database."""
    g = Grant(
        role, in_unit.id if in_unit else None, in_unit.code if in_unit else None, in_unit.path if in_unit else None
    )
    return Viewer(user_id=user_id, employee_id=employee_id, grants=(g,))
