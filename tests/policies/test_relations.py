"""Supervisor and superior follow the position tree and the assignment history on the date asked."""

import datetime as dt

from policies.relations import relations_to, supervisors_of
from policies.viewer import Viewer
from server.db import Database
from tests import factories as f

JAN = dt.date(2024, 1, 15)
JUL = dt.date(2024, 7, 15)


async def build(db: Database) -> dict[str, int]:
    """Kepala dinas > kepala bidang > kepala seksi > staff; the seksi post is vacant 1-9 June 2024."""
    async with db.write() as s:
        dinas = await f.unit(s, "DINKES")
        bidang = await f.unit(s, "DINKES-YANKES", dinas)
        head = await f.position(s, "KADIS", dinas, type="JPT_PRATAMA")
        kabid = await f.position(s, "KABID", bidang, type="ADMINISTRATOR", parent=head)
        kasi = await f.position(s, "KASI", bidang, type="PENGAWAS", parent=kabid)
        staff = await f.position(s, "STAF", bidang, quota=5, parent=kasi)
        people = {name: await f.employee(s) for name in ["kadis", "kabid", "kasi1", "kasi2", "staf"]}
        await f.assign(s, people["kadis"], head)
        await f.assign(s, people["kabid"], kabid)
        await f.assign(s, people["kasi1"], kasi, end=dt.date(2024, 5, 31))
        await f.assign(s, people["kasi2"], kasi, start=dt.date(2024, 6, 10))
        await f.assign(s, people["staf"], staff)
        return {k: v.id for k, v in people.items()}


async def test_the_supervisor_is_the_holder_of_the_managerial_position_above_on_that_date(db: Database) -> None:
    ids = await build(db)
    async with db.read() as s:
        assert await supervisors_of(s, ids["staf"], JAN) == (ids["kasi1"], ids["kabid"])
        assert await supervisors_of(s, ids["staf"], JUL) == (ids["kasi2"], ids["kabid"])


async def test_a_vacant_supervisor_position_passes_to_the_next_one_up(db: Database) -> None:
    ids = await build(db)
    async with db.read() as s:
        assert await supervisors_of(s, ids["staf"], dt.date(2024, 6, 5)) == (ids["kabid"], ids["kadis"])
        assert await supervisors_of(s, ids["kasi1"], JAN) == (ids["kabid"], ids["kadis"])
        assert await supervisors_of(s, ids["kadis"], JAN) == (None, None)
        assert await supervisors_of(s, ids["staf"], dt.date(1999, 1, 1)) == (None, None)


async def test_relations_to_name_self_supervisor_and_superior(db: Database) -> None:
    ids = await build(db)

    def as_(name: str) -> Viewer:
        return Viewer(user_id=name, employee_id=ids[name])

    async with db.read() as s:
        assert await relations_to(s, as_("staf"), ids["staf"], JAN) == {"self"}
        assert await relations_to(s, as_("kasi1"), ids["staf"], JAN) == {"supervisor"}
        assert await relations_to(s, as_("kasi1"), ids["staf"], JUL) == frozenset()
        assert await relations_to(s, as_("kasi2"), ids["staf"], JUL) == {"supervisor"}
        assert await relations_to(s, as_("kabid"), ids["staf"], JUL) == {"superior"}
        assert await relations_to(s, as_("kadis"), ids["staf"], JUL) == frozenset()
        assert await relations_to(s, Viewer(user_id="x"), ids["staf"], JUL) == frozenset()
