"""Read scopes: which units' people, positions and requests a viewer may see, as one SQL condition.

Computed once per request from the viewer's grants, applied in SQL (never an enforcer call per row).
A grant in a unit covers its subtree: the unit's materialised path is a prefix of its descendants'.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from policies.viewer import Viewer
from server.models import Unit

# Roles whose grant lets the holder read the registry (people, positions) of the granted subtree.
REGISTRY_READERS = frozenset(
    {"unit_head", "unit_hr", "bkd_verifier", "bkd_official", "board_member", "pyb", "ppk", "auditor", "admin"}
)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    unit_paths: tuple[str, ...] = ()
    employee_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.unit_paths

    def units_clause(self, unit_id: InstrumentedAttribute[int] | ColumnElement[int]) -> ColumnElement[bool]:
        """SQL: ``unit_id`` lies in one of the scope's subtrees."""
        if self.everything:
            return true()
        if not self.unit_paths:
            return false()
        subtree = select(Unit.id).where(or_(*(Unit.path.startswith(p, autoescape=True) for p in self.unit_paths)))
        return unit_id.in_(subtree)


def registry_scope(viewer: Viewer) -> Scope:
    grants = [g for g in viewer.grants if g.role in REGISTRY_READERS]
    if any(g.unit_path is None for g in grants):
        return Scope(everything=True, employee_id=viewer.employee_id)
    paths = sorted({g.unit_path for g in grants if g.unit_path is not None})
    roots = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    return Scope(unit_paths=roots, employee_id=viewer.employee_id)
