"""Lists are filtered in SQL by the viewer's scope: rows of other units never come back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from policies.scope import ReadScope, audit_scope, registry_scope, request_scope
from policies.viewer import PUBLIC, Grant, Viewer
from server.db import Database
from server.models import Assignment, Employee, Position, Unit
from tests import factories as f
from tests.policies.factories import viewer

TODAY = dt.date(2024, 7, 1)


async def build(db: Database) -> dict[str, Unit]:
    """DINKES with a sub-unit, and DISDIK elsewhere; two staff in each of the three units."""
    async with db.write() as s:
        dinkes = await f.unit(s, "DINKES")
        sub = await f.unit(s, "DINKES-RSUD", dinkes, kind="rumah_sakit")
        disdik = await f.unit(s, "DISDIK")
        for u in (dinkes, sub, disdik):
            post = await f.position(s, f"STAF-{u.code}", u, quota=2)
            for _ in range(2):
                await f.assign(s, await f.employee(s), post)
        return {"dinkes": dinkes, "sub": sub, "disdik": disdik}


async def visible_nips(db: Database, scope: ReadScope) -> set[str]:
    query = (
        select(Employee.nip)
        .join(Assignment, Assignment.employee_id == Employee.id)
        .join(Position, Position.id == Assignment.position_id)
        .where(scope.units_clause(Position.unit_id))
    )
    async with db.read() as s:
        return set((await s.execute(query)).scalars())


async def test_a_unit_grant_sees_its_subtree_and_not_other_units(db: Database) -> None:
    units = await build(db)
    head = viewer("unit_head", units["dinkes"])
    nips = await visible_nips(db, registry_scope(head))
    assert len(nips) == 4
    async with db.read() as s:
        total = (await s.execute(select(func.count()).select_from(Employee))).scalar_one()
    assert total == 6


async def test_a_sub_unit_grant_does_not_see_its_parent(db: Database) -> None:
    units = await build(db)
    hr = viewer("unit_hr", units["sub"])
    assert len(await visible_nips(db, registry_scope(hr))) == 2


async def test_auditors_see_everything_including_the_audit_log(db: Database) -> None:
    await build(db)
    auditor = viewer("auditor")
    assert registry_scope(auditor).everything and request_scope(auditor).everything
    assert audit_scope(auditor).everything
    assert len(await visible_nips(db, registry_scope(auditor))) == 6


async def test_the_public_and_a_plain_employee_see_no_one_elses_records(db: Database) -> None:
    await build(db)
    assert await visible_nips(db, registry_scope(PUBLIC)) == set()
    plain = Viewer(user_id="x", employee_id=3, grants=(Grant("employee"),))
    scope = registry_scope(plain)
    assert scope.nothing and scope.employee_id == 3
    assert audit_scope(plain).nothing and audit_scope(plain).employee_id is None


async def test_only_auditors_and_administrators_read_the_audit_log(db: Database) -> None:
    units = await build(db)
    for role in ("unit_head", "unit_hr", "bkd_verifier", "bkd_official", "board_member", "pyb", "ppk"):
        assert audit_scope(viewer(role)).nothing, role
    assert audit_scope(viewer("admin")).everything
    assert not audit_scope(viewer("auditor", units["dinkes"])).everything


def test_covers_answers_for_one_object() -> None:
    scope = ReadScope(unit_paths=("/1/",))
    assert scope.covers("/1/5/") and not scope.covers("/10/") and not scope.covers(None)
    assert ReadScope(everything=True).covers(None)
