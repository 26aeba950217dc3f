"""Granting, revoking and delegating roles: administrators only, validated, audited in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from policies.admin import grant_role, revoke_role
from policies.decide import decide
from policies.delegation import delegate_role
from policies.notify import policy_version
from policies.viewer import Viewer, load_viewer
from server.db import Database
from server.errors import CommandRefused, ErrorCode
from server.models import AuditEvent, RoleGrant
from tests import factories as f

TODAY = dt.date.today()


async def setup(db: Database) -> None:
    async with db.write() as s:
        dinkes = await f.unit(s, "DINKES")
        await f.unit(s, "DINKES-RSUD", dinkes)
        await f.unit(s, "DISDIK")
        await f.grant(s, "root", "admin")
        await f.grant(s, "dinkes-admin", "admin", dinkes)
        await f.grant(s, "kadis", "unit_head", dinkes)
        for known in ("root", "dinkes-admin", "kadis", "budi", "sri", "x", "plt", "deputy"):
            await f.user(s, known)


async def as_(db: Database, user_id: str) -> Viewer:
    async with db.read() as s:
        return await load_viewer(s, user_id, TODAY)


async def refused(db: Database, **kwargs: object) -> CommandRefused:
    actor = kwargs.pop("actor")
    assert isinstance(actor, Viewer)
    with pytest.raises(CommandRefused) as caught:
        async with db.write() as s:
            await grant_role(s, actor, **kwargs)  # type: ignore[arg-type]
    return caught.value


async def events(db: Database) -> list[AuditEvent]:
    async with db.read() as s:
        return list((await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars())


async def test_an_administrator_grants_a_role_audited_with_the_change(db: Database) -> None:
    await setup(db)
    root = await as_(db, "root")
    async with db.write() as s:
        grant = await grant_role(
            s, root, user_id="budi", role="bkd_verifier", unit_code=None, valid_from=TODAY, valid_to=None
        )
    (event,) = await events(db)
    assert (event.actor, event.action, event.entity_type, event.entity_id) == (
        "root",
        "role.granted",
        "role_grant",
        str(grant.id),
    )
    assert event.after is not None and event.after["role"] == "bkd_verifier" and event.after["userId"] == "budi"
    budi = await as_(db, "budi")
    assert decide(budi, obj="placement", action="verify", unit_path="/9/").allowed
    async with db.read() as s:
        assert await policy_version(s) == 1


async def test_non_administrators_are_refused_and_nothing_is_written(db: Database) -> None:
    await setup(db)
    error = await refused(db, actor=await as_(db, "kadis"), user_id="x", role="unit_hr", unit_code="DINKES")
    assert error.errors[0].code is ErrorCode.FORBIDDEN
    assert await events(db) == []
    async with db.read() as s:
        assert (await s.execute(select(RoleGrant).where(RoleGrant.user_id == "x"))).first() is None


async def test_a_unit_administrator_administers_only_their_subtree(db: Database) -> None:
    await setup(db)
    admin = await as_(db, "dinkes-admin")
    async with db.write() as s:
        await grant_role(s, admin, user_id="sri", role="unit_hr", unit_code="DINKES-RSUD")
    error = await refused(db, actor=admin, user_id="sri", role="unit_hr", unit_code="DISDIK")
    assert error.errors[0].code is ErrorCode.FORBIDDEN and "DISDIK" in error.errors[0].message
    error = await refused(db, actor=admin, user_id="sri", role="bkd_official", unit_code=None)
    assert error.errors[0].code is ErrorCode.FORBIDDEN


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"role": "boss", "unit_code": "DINKES"}, "role", "unit_head"),
        ({"role": "unit_hr", "unit_code": "NOPE"}, "unitCode", "NOPE"),
        (
            {
                "role": "unit_hr",
                "unit_code": "DINKES",
                "valid_from": dt.date(2024, 5, 1),
                "valid_to": dt.date(2024, 4, 1),
            },
            "validTo",
            "before",
        ),
        ({"role": "unit_head", "unit_code": "DINKES", "acting": "plt"}, "validTo", "needs validTo"),
    ],
)
async def test_invalid_grants_say_what_is_wrong(
    db: Database, kwargs: dict[str, object], field: str, words: str
) -> None:
    await setup(db)
    error = (await refused(db, actor=await as_(db, "root"), user_id="x", **kwargs)).errors[0]
    assert (error.code, error.field) == (ErrorCode.VALIDATION, field)
    assert words in error.message


async def test_nobody_grants_a_role_to_themselves(db: Database) -> None:
    await setup(db)
    error = await refused(db, actor=await as_(db, "root"), user_id="root", role="ppk", unit_code=None)
    assert error.errors[0].code is ErrorCode.FORBIDDEN


async def test_revoking_ends_the_grant_at_once_and_is_audited(db: Database) -> None:
    await setup(db)
    root = await as_(db, "root")
    async with db.write() as s:
        await revoke_role(s, root, user_id="kadis", role="unit_head", unit_code="DINKES")
    kadis = await as_(db, "kadis")
    assert "unit_head" not in kadis.roles
    (event,) = await events(db)
    assert event.action == "role.revoked"
    assert event.before is not None and event.before["revokedAt"] is None
    assert event.after is not None and event.after["revokedAt"] is not None
    with pytest.raises(CommandRefused) as caught:
        async with db.write() as s:
            await revoke_role(s, root, user_id="kadis", role="unit_head", unit_code="DINKES")
    assert caught.value.errors[0].code is ErrorCode.NOT_FOUND
    with pytest.raises(CommandRefused) as caught:
        async with db.write() as s:
            await revoke_role(s, kadis, user_id="root", role="admin", unit_code=None)
    assert caught.value.errors[0].code is ErrorCode.FORBIDDEN


async def test_dated_grants_apply_in_their_period_and_expire_by_themselves(db: Database) -> None:
    await setup(db)
    root = await as_(db, "root")
    async with db.write() as s:
        await grant_role(
            s,
            root,
            user_id="plt",
            role="unit_head",
            unit_code="DINKES",
            valid_from=dt.date(2024, 3, 1),
            valid_to=dt.date(2024, 3, 31),
            acting="plt",
        )
    async with db.read() as s:
        before = await load_viewer(s, "plt", dt.date(2024, 2, 29))
        during = await load_viewer(s, "plt", dt.date(2024, 3, 31))
        after = await load_viewer(s, "plt", dt.date(2024, 4, 1))
    assert "unit_head" not in before.roles and "unit_head" not in after.roles
    dinkes_path = during.grants[0].unit_path
    decision = decide(during, obj="placement", action="propose", unit_path=dinkes_path, unit_code="DINKES")
    assert decision.allowed and "Plt" in decision.reason and "until 2024-03-31" in decision.reason
    assert not decide(after, obj="placement", action="propose", unit_path=dinkes_path).allowed


async def test_an_official_delegates_their_own_role_while_out_of_office(db: Database) -> None:
    await setup(db)
    kadis = await as_(db, "kadis")
    start, end = TODAY, TODAY + dt.timedelta(days=7)
    async with db.write() as s:
        grant = await delegate_role(
            s,
            kadis,
            to_user_id="deputy",
            role="unit_head",
            unit_code="DINKES-RSUD",
            valid_from=start,
            valid_to=end,
            today=TODAY,
        )
    assert grant.acting == "delegation"
    deputy = await as_(db, "deputy")
    assert [g.unit_code for g in deputy.grants if g.role == "unit_head"] == ["DINKES-RSUD"]
    assert (await events(db))[0].action == "role.delegated"
    with pytest.raises(CommandRefused) as caught:
        async with db.write() as s:
            await delegate_role(
                s,
                kadis,
                to_user_id="deputy",
                role="unit_head",
                unit_code="DISDIK",
                valid_from=start,
                valid_to=end,
                today=TODAY,
            )
    assert caught.value.errors[0].code is ErrorCode.FORBIDDEN
