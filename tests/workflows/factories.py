"""The workflow tests' world: a small Pemprov built from the shared builders in ``tests.factories``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policies.viewer import Viewer, load_viewer
from server.db import Database
from server.models import Employee, Position, Unit
from tests.factories import assign, employee, evaluations, grant, position, unit, user


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

    async def newcomer(self, who: str) -> str:
        """A new appointee who holds no post yet (a placement may put them in any unit); their NIP."""
        async with self.db.write() as s:
            self.people[who] = await employee(s, who.title())
            await evaluations(s, self.people[who], {2023: "Baik", 2024: "Baik", 2025: "Baik"})
        return self.people[who].nip


async def build_world(db: Database) -> World:
    w = World(db)
    async with db.write() as s:
        root = w.units["ROOT"] = await unit(s, "PEMPROV", kind="province")
        w.units["BKD"] = await unit(s, "BKD", root, kind="badan")
        dinkes = w.units["DINKES"] = await unit(s, "DINKES", root)
        bid_a = w.units["BID_A"] = await unit(s, "BID_A", dinkes, kind="bidang")
        bid_b = w.units["BID_B"] = await unit(s, "BID_B", dinkes, kind="bidang")
        p = w.positions
        p["KADIS"] = await position(s, "KADIS", dinkes, type="JPT_PRATAMA", job_class=14)
        p["KABID_A"] = await position(s, "KABID_A", bid_a, type="ADMINISTRATOR", parent=p["KADIS"], job_class=11)
        p["KABID_B"] = await position(s, "KABID_B", bid_b, type="ADMINISTRATOR", parent=p["KADIS"], job_class=11)
        p["KASI_A"] = await position(
            s, "KASI_A", bid_a, type="PENGAWAS", parent=p["KABID_A"], min_rank="III/b", max_rank="III/d", job_class=9
        )
        p["STAFF_A"] = await position(s, "STAFF_A", bid_a, quota=3, parent=p["KABID_A"], job_class=6)
        p["STAFF_B"] = await position(s, "STAFF_B", bid_b, quota=2, parent=p["KABID_B"], job_class=6)
        e = w.people
        e["kadis"] = await employee(s, "Kadis", birth=dt.date(1972, 2, 3), education="S2", rank="IV/b")
        e["kabid_a"] = await employee(s, "Kabid A", birth=dt.date(1978, 8, 9), gender="F", rank="IV/a")
        e["kabid_b"] = await employee(s, "Kabid B", birth=dt.date(1979, 1, 9), rank="IV/a")
        e["budi"] = await employee(s, "Budi")
        e["sari"] = await employee(s, "Sari", birth=dt.date(1990, 3, 3), gender="F")
        for row in e.values():  # each logs in with the NIP
            await user(s, row.nip, row)
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
        for user_id, role in [
            ("verifier", "bkd_verifier"),
            ("verifier2", "bkd_verifier"),
            ("board", "board_member"),
            ("sekda", "pyb"),
            ("governor", "ppk"),
            ("official", "bkd_official"),
        ]:
            await grant(s, user_id, role)
        await grant(s, "hr_a", "unit_hr", bid_a)
    return w
