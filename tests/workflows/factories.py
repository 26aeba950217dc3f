"""Small builders for workflow tests: units with paths, positions, employees with valid NIPs, grants, history."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from policies.viewer import Viewer, load_viewer
from server.db import Database
from server.domain.nip import make
from server.domain.positions import is_managerial
from server.models import (
    Assignment,
    DisciplinarySanction,
    Employee,
    EvaluationResult,
    Position,
    RoleGrant,
    Unit,
    User,
)

_sequence = itertools.count(1)


async def unit(s: AsyncSession, code: str, parent: Unit | None = None, kind: str = "dinas") -> Unit:
    row = Unit(code=code, name=code.title(), kind=kind, parent_id=parent.id if parent else None, path="/", depth=0)
    s.add(row)
    await s.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    row.depth = parent.depth + 1 if parent else 0
    await s.flush()
    return row


async def position(
    s: AsyncSession,
    code: str,
    in_unit: Unit,
    type: str = "PELAKSANA",
    *,
    quota: int = 1,
    parent: Position | None = None,
    min_rank: str | None = None,
    max_rank: str | None = None,
    job_class: int | None = None,
) -> Position:
    row = Position(
        code=code,
        title=code.replace("_", " ").title(),
        type=type,
        unit_id=in_unit.id,
        parent_position_id=parent.id if parent else None,
        managerial=is_managerial(type),
        quota=quota,
        job_class=job_class,
        min_rank=min_rank,
        max_rank=max_rank,
        competencies=[],
    )
    s.add(row)
    await s.flush()
    return row


async def employee(
    s: AsyncSession,
    name: str,
    *,
    birth: dt.date = dt.date(1985, 5, 17),
    gender: str = "M",
    education: str = "S1",
    rank: str | None = "III/b",
    rank_since: dt.date | None = dt.date(2020, 4, 1),
    service_exam: bool = True,
    employment_type: str = "PNS",
) -> Employee:
    appointed = (birth.year + 23, 3)
    row = Employee(
        nip=make(birth, appointed, gender, next(_sequence) % 999 + 1),
        name=name,
        birth_date=birth,
        gender=gender,
        employment_type=employment_type,
        education=education,
        rank_code=rank,
        rank_since=rank_since,
        has_service_exam=service_exam,
    )
    s.add(row)
    await s.flush()
    s.add(User(id=row.nip, name=name, employee_id=row.id))
    await s.flush()
    return row


async def assign(s: AsyncSession, who: Employee, post: Position, start: dt.date, end: dt.date | None = None) -> None:
    s.add(
        Assignment(employee_id=who.id, position_id=post.id, start_date=start, end_date=end, managerial=post.managerial)
    )
    await s.flush()


async def grant(s: AsyncSession, user_id: str, role: str, in_unit: Unit | None = None) -> None:
    s.add(RoleGrant(user_id=user_id, role=role, unit_id=in_unit.id if in_unit else None))
    await s.flush()


async def evaluations(s: AsyncSession, who: Employee, results: dict[int, str]) -> None:
    s.add_all(EvaluationResult(employee_id=who.id, year=y, predicate=p) for y, p in results.items())
    await s.flush()


async def sanction(s: AsyncSession, who: Employee, severity: str, start: dt.date, end: dt.date | None) -> None:
    s.add(DisciplinarySanction(employee_id=who.id, severity=severity, start_date=start, end_date=end, decree_no="SK-1"))
    await s.flush()


async def set_rank(s: AsyncSession, who: Employee, rank: str, since: dt.date) -> None:
    await s.execute(update(Employee).where(Employee.id == who.id).values(rank_code=rank, rank_since=since))


@dataclass
class World:
    """A small Pemprov: DINKES with two divisions, their heads, a staff member (Budi) and province-wide officials.

    Budi holds STAFF_A in BID_A since 2018, rank III/b since 2020-04-01, S1, Baik in 2023-2025; his direct
    supervisor is Kabid A (head of BID_A) and her superior is the Kadis. KASI_A (pengawas) is vacant.
    """

    db: Database
    units: dict[str, Unit] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    people: dict[str, Employee] = field(default_factory=dict)

    async def viewer(self, who: str, today: dt.date = dt.date(2026, 2, 2)) -> Viewer:
        user_id = self.people[who].nip if who in self.people else who
        async with self.db.read() as s:
            return await load_viewer(s, user_id, today)

    def nip(self, who: str) -> str:
        return self.people[who].nip


async def build_world(db: Database) -> World:
    w = World(db)
    async with db.write() as s:
        root = w.units["ROOT"] = await unit(s, "PEMPROV", kind="province")
        w.units["BKD"] = await unit(s, "BKD", root, "badan")
        dinkes = w.units["DINKES"] = await unit(s, "DINKES", root)
        bid_a = w.units["BID_A"] = await unit(s, "BID_A", dinkes, "bidang")
        bid_b = w.units["BID_B"] = await unit(s, "BID_B", dinkes, "bidang")
        p = w.positions
        p["KADIS"] = await position(s, "KADIS", dinkes, "JPT_PRATAMA", job_class=14)
        p["KABID_A"] = await position(s, "KABID_A", bid_a, "ADMINISTRATOR", parent=p["KADIS"], job_class=11)
        p["KABID_B"] = await position(s, "KABID_B", bid_b, "ADMINISTRATOR", parent=p["KADIS"], job_class=11)
        p["KASI_A"] = await position(
            s, "KASI_A", bid_a, "PENGAWAS", parent=p["KABID_A"], min_rank="III/b", max_rank="III/d", job_class=9
        )
        p["STAFF_A"] = await position(s, "STAFF_A", bid_a, quota=3, parent=p["KABID_A"], job_class=6)
        p["STAFF_B"] = await position(s, "STAFF_B", bid_b, quota=2, parent=p["KABID_B"], job_class=6)
        e = w.people
        e["kadis"] = await employee(s, "Kadis", birth=dt.date(1972, 2, 3), education="S2", rank="IV/b")
        e["kabid_a"] = await employee(s, "Kabid A", birth=dt.date(1978, 8, 9), gender="F", rank="IV/a")
        e["kabid_b"] = await employee(s, "Kabid B", birth=dt.date(1979, 1, 9), rank="IV/a")
        e["budi"] = await employee(s, "Budi")
        e["sari"] = await employee(s, "Sari", birth=dt.date(1990, 3, 3), gender="F")
        await assign(s, e["kadis"], p["KADIS"], dt.date(2019, 1, 1))
        await assign(s, e["kabid_a"], p["KABID_A"], dt.date(2019, 1, 1))
        await assign(s, e["kabid_b"], p["KABID_B"], dt.date(2019, 1, 1))
        await assign(s, e["budi"], p["STAFF_A"], dt.date(2018, 1, 1))
        await assign(s, e["sari"], p["STAFF_A"], dt.date(2025, 6, 1))
        for who in ("budi", "sari"):
            await evaluations(s, e[who], {2023: "Baik", 2024: "Baik", 2025: "Sangat Baik"})
        await grant(s, e["kadis"].nip, "unit_head", dinkes)
        await grant(s, e["kabid_a"].nip, "unit_head", bid_a)
        await grant(s, e["kabid_b"].nip, "unit_head", bid_b)
        for user, role in [
            ("verifier", "bkd_verifier"),
            ("verifier2", "bkd_verifier"),
            ("board", "board_member"),
            ("sekda", "pyb"),
            ("governor", "ppk"),
            ("official", "bkd_official"),
        ]:
            await grant(s, user, role)
        await grant(s, "hr_a", "unit_hr", bid_a)
    return w
