"""grantRole / revokeRole over HTTP: administrators only, audited, and in force on the next request."""

from __future__ import annotations

from sqlalchemy import select

from server.db import Database
from server.models import AuditEvent
from tests import factories as f
from tests.schema.conftest import Api

GRANT = """mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { userId role unitCode revoked } errors { code field message } } }"""
REVOKE = (
    """mutation($i: RevokeRoleInput!) { revokeRole(input: $i) { grant { role revoked } errors { code message } } }"""
)
ROLES = "{ viewer { roles { role unitCode } } }"


async def setup(db: Database) -> None:
    async with db.write() as s:
        await f.unit(s, "DINKES")
        await f.user(s, "root")
        await f.user(s, "ani")  # a grant goes to a known user
        await f.grant(s, "root", "admin")


async def test_an_administrator_grants_a_role_that_applies_on_the_next_request(api: Api, db: Database) -> None:
    await setup(db)
    granted = await api.query(GRANT, {"i": {"userId": "ani", "role": "unit_hr", "unitCode": "DINKES"}}, as_user="root")
    assert granted["grantRole"] == {
        "grant": {"userId": "ani", "role": "unit_hr", "unitCode": "DINKES", "revoked": False},
        "errors": [],
    }
    assert {"role": "unit_hr", "unitCode": "DINKES"} in (await api.query(ROLES, as_user="ani"))["viewer"]["roles"]
    revoked = await api.query(REVOKE, {"i": {"userId": "ani", "role": "unit_hr", "unitCode": "DINKES"}}, as_user="root")
    assert revoked["revokeRole"]["grant"] == {"role": "unit_hr", "revoked": True}
    assert (await api.query(ROLES, as_user="ani"))["viewer"]["roles"] == []
    async with db.read() as s:
        actions = (await s.execute(select(AuditEvent.action).order_by(AuditEvent.seq))).scalars().all()
    assert actions == ["role.granted", "role.revoked"]


async def test_a_non_administrator_is_refused_and_the_attempt_audited(api: Api, db: Database) -> None:
    await setup(db)
    data = await api.query(GRANT, {"i": {"userId": "me", "role": "admin"}}, as_user="ani")
    assert data["grantRole"]["grant"] is None and data["grantRole"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await api.query(ROLES, as_user="me"))["viewer"]["roles"] == []
    async with db.read() as s:
        event = (await s.execute(select(AuditEvent))).scalar_one()
    assert (event.actor, event.action) == ("ani", "role.grant.refused")


async def test_an_unknown_role_or_unit_is_named(api: Api, db: Database) -> None:
    await setup(db)
    bad_role = await api.query(GRANT, {"i": {"userId": "x", "role": "king"}}, as_user="root")
    assert (
        bad_role["grantRole"]["errors"][0]["code"] == "VALIDATION"
        and "king" in bad_role["grantRole"]["errors"][0]["message"]
    )
    bad_unit = await api.query(GRANT, {"i": {"userId": "x", "role": "unit_hr", "unitCode": "NOPE"}}, as_user="root")
    assert "NOPE" in bad_unit["grantRole"]["errors"][0]["message"]


async def test_an_idempotency_key_replays_a_grant_without_a_second_grant_or_event(api: Api, db: Database) -> None:
    await setup(db)
    values = {"userId": "ani", "role": "unit_hr", "unitCode": "DINKES", "idempotencyKey": "grant-ani-1"}
    first = await api.query(GRANT, {"i": values}, as_user="root")
    again = await api.query(GRANT, {"i": values}, as_user="root")
    assert first == again and first["grantRole"]["errors"] == []
    other = await api.query(GRANT, {"i": {**values, "role": "unit_head"}}, as_user="root")
    assert [e["code"] for e in other["grantRole"]["errors"]] == ["IDEMPOTENCY_MISMATCH"]
    async with db.read() as s:
        actions = (await s.execute(select(AuditEvent.action).order_by(AuditEvent.seq))).scalars().all()
    assert actions == ["role.granted"]
