"""Importing the organisation: units (added to the tree) and positions (created or updated by code)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.positions import is_managerial
from server.models import Assignment, Position, Unit
from server.registry import quotas
from server.registry.batch import Advance, Importer, insert_many, move_sequence_past, next_id, problem_findings
from server.registry.columns import CellReader, Finding
from server.registry.queries import held_on
from server.registry.validation import PositionInput, position_problems


@dataclass
class _UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent: str | None


class UnitImporter(Importer):
    """Units are only added: a code already in the registry is refused. Parents come from the registry or
    the file (in any order); ids, paths and depths are computed here, parents first."""

    kind = "units"
    tables = ("units",)

    async def load(self, session: AsyncSession) -> None:
        rows = (await session.execute(select(Unit.code, Unit.id, Unit.path, Unit.depth))).all()
        self.existing: dict[str, tuple[int, str, int]] = {r.code: (r.id, r.path, r.depth) for r in rows}
        self.first_id = await next_id(session, "units")
        self.units: dict[str, _UnitRow] = {}

    def check(self, cells: CellReader) -> None:
        before = len(cells.findings)
        code, name, kind, parent = cells.text("code"), cells.text("name"), cells.text("kind"), cells.text("parentCode")
        if code is not None and code in self.existing:
            cells.problem("code", f"unit code {code} is already in the registry; an import only adds units")
            code = None
        elif code is not None and code in self.units:
            cells.problem("code", f"unit code {code} appears already in row {self.units[code].row}")
            code = None
        if len(cells.findings) > before or code is None or name is None or kind is None:
            return
        self.units[code] = _UnitRow(cells.row.number, code, name, kind, parent)
        self.records.append({"code": code, "name": name, "kind": kind, "parentCode": parent})

    def finish(self, findings: list[Finding]) -> None:
        """Order parents first; a parent that is nowhere, or a cycle, is a finding on the row."""
        self.placed: dict[str, tuple[int, str, int]] = {}
        self.order: list[_UnitRow] = []
        pending = list(self.units.values())
        while pending:
            waiting = []
            for unit in pending:
                parent = unit.parent
                if parent is not None and parent not in self.existing and parent not in self.units:
                    findings.append(
                        Finding(
                            unit.row,
                            "parentCode",
                            parent,
                            f"parentCode {parent} is not a unit in the registry or the file",
                        )
                    )
                elif parent is None or parent in self.existing or parent in self.placed:
                    base = self.existing.get(parent) if parent else None
                    base = base or (self.placed.get(parent) if parent else None)
                    uid = self.first_id + len(self.order)
                    path = f"{base[1]}{uid}/" if base else f"/{uid}/"
                    self.placed[unit.code] = (uid, path, base[2] + 1 if base else 0)
                    self.order.append(unit)
                else:
                    waiting.append(unit)
            if len(waiting) == len(pending):
                for unit in waiting:
                    message = f"parentCode {unit.parent} leads back to {unit.code}: units must form a tree"
                    findings.append(Finding(unit.row, "parentCode", unit.parent, message))
                return
            pending = waiting

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        rows: list[dict[str, Any]] = []
        for unit in self.order:
            uid, path, depth = self.placed[unit.code]
            parent_id = (self.existing.get(unit.parent) or self.placed[unit.parent])[0] if unit.parent else None
            rows.append(
                {"id": uid, "code": unit.code, "name": unit.name, "kind": unit.kind, "parent_id": parent_id}
                | {"path": path, "depth": depth}
            )
        await insert_many(session, "units", rows, advance)
        await move_sequence_past(session, "units")
        return {"created": len(rows)}


_POSITIONS = cast(Table, Position.__table__)


class PositionImporter(Importer):
    """Positions are created or, when the code exists, updated (the row is the whole record). The record
    rules are registry.validation's (those of ``upsertPosition``); a quota below today's holders is refused."""

    kind = "positions"
    tables = ("positions",)

    async def load(self, session: AsyncSession) -> None:
        self.unit_ids = dict((await session.execute(select(Unit.code, Unit.id))).all())
        self.position_ids = dict((await session.execute(select(Position.code, Position.id))).all())
        holders = (
            select(Assignment.position_id, func.count())
            .where(Assignment.kind == "definitive", held_on(self.today))
            .group_by(Assignment.position_id)
        )
        self.holders = {int(pid): int(n) for pid, n in (await session.execute(holders)).all()}
        self.first_id = await next_id(session, "positions")
        self.rows: dict[str, dict[str, Any]] = {}
        self.parents: dict[str, tuple[int, str]] = {}

    def check(self, cells: CellReader) -> None:
        before = len(cells.findings)
        code, title, type_ = cells.text("code"), cells.text("title"), cells.text("type")
        unit_code, quota, job_class = cells.text("unitCode"), cells.integer("quota"), cells.integer("jobClass")
        min_education, min_rank, max_rank = cells.text("minEducation"), cells.text("minRank"), cells.text("maxRank")
        parent, competencies = cells.text("parentCode"), cells.items("competencies")
        # Unreadable cells have their findings; the rest of the row is still checked, with blanks in their place
        # (``problem_findings`` drops the blanks' problems as already reported).
        blanks = PositionInput(code or "", title or "", type_ or "", unit_code or "", 0 if quota is None else quota)
        data = replace(blanks, job_class=job_class, min_education=min_education, min_rank=min_rank, max_rank=max_rank)
        problem_findings(cells, position_problems(data, self.today))
        if unit_code is not None and unit_code not in self.unit_ids:
            cells.problem("unitCode", f"unitCode {unit_code} is not a unit in the registry; import units first")
        if code is not None and code in self.rows:
            cells.problem("code", f"position code {code} appears already in row {self.rows[code]['row']}")
        if code is not None and quota is not None and quota < self.holders.get(self.position_ids.get(code, 0), 0):
            cells.problem(
                "quota",
                f"quota {quota} for {code} is below its {self.holders[self.position_ids[code]]} definitive holder(s) "
                f"on {self.today.isoformat()}; end an assignment first or keep the quota",
            )
        if parent is not None and parent == code:
            cells.problem("parentCode", f"parentCode {parent} is the position itself")
        if len(cells.findings) > before or code is None or competencies is None:  # None only with a finding
            return
        self.rows[code] = {"row": cells.row.number, "data": data, "competencies": competencies}
        if parent is not None:
            self.parents[code] = (cells.row.number, parent)
        self.records.append({**data.__dict__, "parentCode": parent, "competencies": competencies})

    def finish(self, findings: list[Finding]) -> None:
        for row, parent in self.parents.values():
            if parent not in self.position_ids and parent not in self.rows:
                message = f"parentCode {parent} is not a position in the registry or the file"
                findings.append(Finding(row, "parentCode", parent, message))

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        ids = dict(self.position_ids)
        for code, entry in self.rows.items():
            values = self._values(entry["data"], entry["competencies"])
            if code in ids:
                changed.append({"b_id": ids[code], **values})
            else:
                ids[code] = self.first_id + len(new)
                new.append({"id": ids[code], "code": code, **values})
        await insert_many(session, "positions", new, advance)
        await move_sequence_past(session, "positions")
        await quotas.record_changes(session, {c["b_id"]: c["quota"] for c in changed}, self.today)
        if changed:
            statement = update(_POSITIONS).where(_POSITIONS.c.id == bindparam("b_id"))
            await session.execute(statement, changed)
            advance(len(changed))
        parents = [
            {"b_id": ids[code], "parent_position_id": ids[self.parents[code][1]] if code in self.parents else None}
            for code in self.rows
        ]
        if parents:
            await session.execute(update(_POSITIONS).where(_POSITIONS.c.id == bindparam("b_id")), parents)
        return {"created": len(new), "updated": len(changed)}

    def _values(self, data: PositionInput, competencies: list[str]) -> dict[str, Any]:
        return {
            "title": data.title,
            "type": data.type,
            "unit_id": self.unit_ids[data.unit_code],
            "managerial": is_managerial(data.type),
            "quota": data.quota,
            "job_class": data.job_class,
            "min_education": data.min_education,
            "min_rank": data.min_rank,
            "max_rank": data.max_rank,
            "competencies": competencies,
        }
