"""Read scopes: which units' people, positions, requests and audit events a viewer may see, as SQL.

Computed once per request from the viewer's grants and the policy's ``read`` lines (which roles may
read which kind of object), applied in SQL (never an enforcer call per row). A grant in a unit covers
its subtree: the unit's materialised path is a prefix of its descendants'. A read outside the scope
answers as if the object did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from policies.enforcer import PUBLIC_ROLE, get_enforcer
from policies.viewer import Viewer
from server.models import Unit


def readers(obj: str) -> frozenset[str]:
    """Roles (and relations) the policy lets read ``obj``."""
    return frozenset(get_enforcer().roles_for(obj, "read"))


@dataclass(frozen=True)
class ReadScope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()
    employee_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.unit_paths

    def covers(self, unit_path: str | None) -> bool:
        """Whether one object in the unit at ``unit_path`` (None: province-level) is in scope."""
        if self.everything:
            return True
        return unit_path is not None and any(unit_path.startswith(p) for p in self.unit_paths)

    def units_clause(self, unit_id: InstrumentedAttribute[int] | ColumnElement[int]) -> ColumnElement[bool]:
        """SQL: ``unit_id`` lies in one of the scope's subtrees."""
        if self.everything:
            return true()
        if not self.unit_paths:
            return false()
        subtree = select(Unit.id).where(or_(*(Unit.path.startswith(p, autoescape=True) for p in self.unit_paths)))
        return unit_id.in_(subtree)


def scope_for(viewer: Viewer, obj: str) -> ReadScope:
    """The units where some grant of the viewer lets them read ``obj``; memoised per policy version.

    ``employee_id`` is set when the policy lets an employee read their own ``obj`` ("self").
    """
    enforcer = get_enforcer()
    key = ("scope", obj, viewer.grants, viewer.employee_id)
    found = enforcer.memo.get(key)
    if isinstance(found, ReadScope):
        return found
    allowed = readers(obj)
    own = viewer.employee_id if "self" in allowed else None
    grants = [g for g in viewer.grants if g.role in allowed]
    if PUBLIC_ROLE in allowed or any(g.unit_path is None for g in grants):
        scope = ReadScope(everything=True, employee_id=own)
    else:
        paths = sorted({g.unit_path for g in grants if g.unit_path is not None})
        roots = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
        scope = ReadScope(unit_paths=roots, employee_id=own)
    enforcer.memo[key] = scope
    return scope


def registry_scope(viewer: Viewer) -> ReadScope:
    """People and positions (the policy's ``employee, read`` lines)."""
    return scope_for(viewer, "employee")


def request_scope(viewer: Viewer) -> ReadScope:
    """Workflow requests by the request's unit; requests about the viewer are theirs to see too."""
    return scope_for(viewer, "request")


def workload_scope(viewer: Viewer) -> ReadScope:
    """Workload analyses and workforce needs, by the position's unit (the policy's ``workload, read`` lines)."""
    return scope_for(viewer, "workload")


def audit_scope(viewer: Viewer) -> ReadScope:
    """Audit events: auditors and administrators province-wide see everything, others nothing."""
    return scope_for(viewer, "audit")
