"""Importing people and their histories: employees (new NIPs only), assignments and final evaluations.

Employees are checked by the same record rules as ``registerEmployee`` (registry.validation). An
assignment must fit the registry and the rest of the file: nobody holds two definitive posts at once and
no post has more definitive holders than its quota (a managerial post: one) on any day. A final
evaluation is never overwritten (a correction has its own audited workflow step).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import nip as nips
from server.domain.predicates import PREDICATES
from server.models import Assignment, Employee, EvaluationResult, Position
from server.registry.batch import Advance, Importer, insert_many, move_sequence_past, next_id, problem_findings
from server.registry.columns import ASSIGNMENT_KINDS, EMPLOYEE_STATUSES, CellReader, Finding
from server.registry.validation import EmployeeInput, employee_problems


class EmployeeImporter(Importer):
    kind = "employees"
    tables = ("employees", "rank_history")

    async def load(self, session: AsyncSession) -> None:
        self.taken = set((await session.execute(select(Employee.nip))).scalars().all())
        self.first_id = await next_id(session, "employees")
        self.seen: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []

    def check(self, cells: CellReader) -> None:
        before = len(cells.findings)
        raw_nip, name = cells.text("nip"), cells.text("name")
        birth, gender, employment = cells.date("birthDate"), cells.text("gender"), cells.text("employmentType")
        education, rank, since = cells.text("education"), cells.text("rankCode"), cells.date("rankSince")
        status, exam = cells.choice("status", EMPLOYEE_STATUSES, "active"), cells.boolean("hasServiceExam", False)
        # A cell that could not be read has its finding; the rest of the row is still checked (every bad value
        # named), with blanks in its place whose problems ``problem_findings`` drops as already reported.
        birth = birth or _birth_in(raw_nip)
        if birth is None:
            return
        data = EmployeeInput(
            nips.normalize(raw_nip or ""),
            name or "",
            birth,
            gender or "",
            employment or "",
            education or "",
            rank,
            since,
        )
        problem_findings(cells, employee_problems(data, self.today))
        if raw_nip is not None and data.nip in self.taken:
            cells.problem("nip", f"NIP {nips.format_nip(data.nip)} is already registered")
        elif raw_nip is not None and data.nip in self.seen:
            cells.problem("nip", f"NIP {nips.format_nip(data.nip)} appears already in row {self.seen[data.nip]}")
        self.seen.setdefault(data.nip, cells.row.number)
        if len(cells.findings) > before or status is None or exam is None:
            return
        record = {**data.__dict__, "status": status, "has_service_exam": exam}
        self.rows.append(record)
        self.records.append(record)

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        employees = [{"id": self.first_id + i, **row} for i, row in enumerate(self.rows)]
        ranks = [
            {"employee_id": e["id"], "rank_code": e["rank_code"], "tmt": e["rank_since"], "decree_no": None}
            for e in employees
            if e["rank_code"] is not None and e["rank_since"] is not None
        ]
        await insert_many(session, "employees", employees, advance)
        await move_sequence_past(session, "employees")
        await insert_many(session, "rank_history", ranks, lambda n: None)
        return {"created": len(employees)}


def _birth_in(raw_nip: str | None) -> dt.date | None:
    try:
        return nips.parse(raw_nip).birth_date if raw_nip is not None else None
    except nips.NipError:
        return None


@dataclass(frozen=True)
class _Post:
    row: int | None  # None: already in the registry
    employee_id: int
    position_id: int
    start: dt.date
    end: dt.date | None
    kind: str


class AssignmentImporter(Importer):
    kind = "assignments"
    tables = ("assignments",)

    async def load(self, session: AsyncSession) -> None:
        self.employees = dict((await session.execute(select(Employee.nip, Employee.id))).all())
        positions = await session.execute(select(Position.code, Position.id, Position.quota, Position.managerial))
        self.positions = {code: (pid, quota, managerial) for code, pid, quota, managerial in positions}
        held = select(Assignment.employee_id, Assignment.position_id, Assignment.start_date, Assignment.end_date).where(
            Assignment.kind == "definitive"
        )
        self.posts = [_Post(None, e, p, s, end, "definitive") for e, p, s, end in (await session.execute(held))]
        self.rows: list[dict[str, Any]] = []

    def check(self, cells: CellReader) -> None:
        before = len(cells.findings)
        nip, code = cells.nip("nip"), cells.text("positionCode")
        start, end, kind = (
            cells.date("startDate"),
            cells.date("endDate"),
            cells.choice("kind", ASSIGNMENT_KINDS, "definitive"),
        )
        decree = cells.text("decreeNo")
        if nip is not None and nip not in self.employees:
            cells.problem("nip", f"NIP {nips.format_nip(nip)} is not registered; import employees first")
        if code is not None and code not in self.positions:
            cells.problem(
                "positionCode", f"positionCode {code} is not a position in the registry; import positions first"
            )
        if start is not None and end is not None and end < start:
            cells.problem("endDate", f"endDate {end.isoformat()} is before startDate {start.isoformat()}")
        if nip is not None and start is not None and start < nips.parse(nip).first_appointment:
            cells.problem(
                "startDate",
                f"startDate {start.isoformat()} is before the first appointment {nip[8:12]}-{nip[12:14]} that NIP "
                f"{nips.format_nip(nip)} gives",
            )
        if len(cells.findings) > before or None in (nip, code, start, kind):
            return
        assert nip and code and start and kind
        position_id, _quota, managerial = self.positions[code]
        self.posts.append(_Post(cells.row.number, self.employees[nip], position_id, start, end, kind))
        self.rows.append(
            {"employee_id": self.employees[nip], "position_id": position_id, "start_date": start, "end_date": end}
            | {"kind": kind, "managerial": managerial, "decree_no": decree}
        )
        self.records.append(
            {"nip": nip, "positionCode": code, "startDate": start, "endDate": end, "kind": kind, "decreeNo": decree}
        )

    def finish(self, findings: list[Finding]) -> None:
        definitive = [p for p in self.posts if p.kind == "definitive"]
        by_employee: dict[int, list[_Post]] = defaultdict(list)
        by_position: dict[int, list[_Post]] = defaultdict(list)
        for post in definitive:
            by_employee[post.employee_id].append(post)
            by_position[post.position_id].append(post)
        for posts in by_employee.values():
            findings += _overlaps(posts)
        seats = {pid: (1 if managerial else quota) for pid, quota, managerial in self.positions.values()}
        codes = {pid: code for code, (pid, _q, _m) in self.positions.items()}
        for position_id, posts in by_position.items():
            findings += _over_quota(posts, seats[position_id], codes[position_id])

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        await insert_many(session, "assignments", self.rows, advance)
        return {"created": len(self.rows)}


def _overlaps(posts: list[_Post]) -> list[Finding]:
    """One employee's definitive posts, by start: each must begin after every earlier one has ended."""
    posts.sort(key=lambda p: p.start)
    findings: list[Finding] = []
    reach = posts[0]  # the post that runs longest among those started so far
    for later in posts[1:]:
        if (reach.end is None or reach.end >= later.start) and (row := later.row or reach.row) is not None:
            message = (
                f"the definitive posts from {reach.start.isoformat()} and from {later.start.isoformat()} overlap: "
                "nobody holds two definitive posts at once; end the earlier one the day before"
            )
            findings.append(Finding(row, "startDate", later.start.isoformat(), message))
        if reach.end is not None and (later.end is None or later.end > reach.end):
            reach = later
    return findings


def _over_quota(posts: list[_Post], seats: int, code: str) -> list[Finding]:
    """Sweep the posts' starts and ends in date order; a file row whose start fills a seat too many is named."""
    if not any(p.row is not None for p in posts) or len(posts) <= seats:
        return []
    events = sorted(
        [(p.start, 1, p) for p in posts] + [(p.end + dt.timedelta(days=1), 0, p) for p in posts if p.end is not None],
        key=lambda e: (e[0], e[1]),
    )
    holding, findings = 0, []
    for day, starts, post in events:
        holding += 1 if starts else -1
        if starts and holding > seats and post.row is not None:
            message = (
                f"positionCode {code} would have {holding} definitive holders on {day.isoformat()}, above its "
                f"{seats} seat(s) (quota; a managerial post seats one)"
            )
            findings.append(Finding(post.row, "positionCode", code, message))
    return findings


class EvaluationImporter(Importer):
    kind = "evaluations"
    tables = ("evaluation_results",)

    async def load(self, session: AsyncSession) -> None:
        self.employees = dict((await session.execute(select(Employee.nip, Employee.id))).all())
        finals = select(Employee.nip, EvaluationResult.year, EvaluationResult.predicate).join(
            Employee, Employee.id == EvaluationResult.employee_id
        )
        self.finals = {(n, y): p for n, y, p in (await session.execute(finals))}
        self.seen: dict[tuple[str, int], int] = {}
        self.rows: list[dict[str, Any]] = []

    def check(self, cells: CellReader) -> None:
        before = len(cells.findings)
        nip, year, predicate = cells.nip("nip"), cells.integer("year"), cells.text("predicate")
        if predicate is not None and predicate not in PREDICATES:
            cells.problem("predicate", f"predicate {predicate!r} is not one of {', '.join(PREDICATES)}")
        if nip is not None and nip not in self.employees:
            cells.problem("nip", f"NIP {nips.format_nip(nip)} is not registered; import employees first")
        if nip is not None and year is not None:
            appointed = int(nip[8:12])
            if not appointed <= year < self.today.year:
                cells.problem(
                    "year",
                    f"year {year} is not a finished year of service: between {appointed} (the appointment in the "
                    f"NIP) and {self.today.year - 1}",
                )
            elif (nip, year) in self.finals:
                cells.problem(
                    "year",
                    f"NIP {nips.format_nip(nip)} already has the final predicate {self.finals[nip, year]} for {year}; "
                    "a final predicate changes only through an evaluation correction",
                )
            elif (nip, year) in self.seen:
                cells.problem(
                    "year", f"the evaluation of {year} for this NIP appears already in row {self.seen[nip, year]}"
                )
            self.seen.setdefault((nip, year), cells.row.number)
        if len(cells.findings) > before or nip is None or year is None or predicate is None:
            return
        self.rows.append({"employee_id": self.employees[nip], "year": year, "predicate": predicate})
        self.records.append({"nip": nip, "year": year, "predicate": predicate})

    async def write(self, session: AsyncSession, advance: Advance) -> dict[str, int]:
        await insert_many(session, "evaluation_results", self.rows, advance)
        return {"created": len(self.rows)}
