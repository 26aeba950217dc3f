"""registerEmployee and upsertPosition: each bad input named with its value, nothing written on failure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.domain import nip as nips
from server.models import AuditEvent, Employee, Position
from tests import factories as f
from tests.schema.conftest import Api

REGISTER = """mutation($input: RegisterEmployeeInput!) {
  registerEmployee(input: $input) { employee { nip name rank { code name } } errors { code field message } } }"""
UPSERT = """mutation($input: UpsertPositionInput!) {
  upsertPosition(input: $input) { position { code vacancies unit { code } } errors { code field message } } }"""

GOOD_NIP = nips.make(dt.date(1990, 5, 17), (2014, 3), "F", 7)


def person(**overrides: Any) -> dict[str, Any]:
    return {
        "nip": GOOD_NIP,
        "name": "Siti Rahma",
        "birthDate": "1990-05-17",
        "gender": "F",
        "employmentType": "PNS",
        "education": "S1",
        "rankCode": "III/b",
        "rankSince": "2020-04-01",
        **overrides,
    }


@pytest.fixture
async def bkd(db: Database) -> str:
    async with db.write() as s:
        bkd = await f.unit(s, "BKD")
        await f.user(s, "bkd-official")
        await f.grant(s, "bkd-official", "bkd_official")
        await f.position(s, "BKD-EXISTING", bkd)
    return "bkd-official"


async def _count(db: Database, model: Any) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_valid_employee_is_registered_and_audited(api: Api, db: Database, bkd: str) -> None:
    data = await api.query(REGISTER, {"input": person(nip=nips.format_nip(GOOD_NIP))}, as_user=bkd)
    assert data["registerEmployee"]["errors"] == []
    assert data["registerEmployee"]["employee"] == {
        "nip": GOOD_NIP,
        "name": "Siti Rahma",
        "rank": {"code": "III/b", "name": "Penata Muda Tingkat I"},
    }
    async with db.read() as s:
        event = (await s.execute(select(AuditEvent).where(AuditEvent.action == "employee.registered"))).scalar_one()
    assert event.actor == bkd and event.entity_id == GOOD_NIP and event.after["rankCode"] == "III/b"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"nip": "12345"}, "nip", "must be 18 digits"),
        ({"nip": "19900230" + GOOD_NIP[8:]}, "nip", "not a real birth date"),
        ({"nip": GOOD_NIP[:14] + "3" + GOOD_NIP[15:]}, "nip", "gender digit 3"),
        ({"birthDate": "1990-05-18"}, "nip", "the record says 1990-05-18"),
        ({"gender": "M"}, "nip", "the record says M"),
        ({"gender": "X"}, "gender", "'X' must be M or F"),
        ({"rankCode": "V/a"}, "rankCode", "'V/a' is not a rank"),
        ({"rankCode": "IV/c"}, "rankCode", "outside III/a .. III/d"),
        ({"employmentType": "PPPK"}, "rankCode", "PPPK staff have no rank"),
        ({"education": "PhD"}, "education", "'PhD' is not one of"),
        ({"name": "  "}, "name", "must not be empty"),
    ],
)
async def test_each_bad_input_is_refused_naming_the_field_and_value(
    api: Api, db: Database, bkd: str, overrides: dict[str, Any], field: str, words: str
) -> None:
    data = await api.query(REGISTER, {"input": person(**overrides)}, as_user=bkd)
    errors = data["registerEmployee"]["errors"]
    assert data["registerEmployee"]["employee"] is None
    assert any(e["field"] == field and words in e["message"] and e["code"] == "VALIDATION" for e in errors), errors
    assert await _count(db, Employee) == 0
    assert await _count(db, AuditEvent) == 0


async def test_a_date_that_is_not_a_date_is_named(api: Api, bkd: str) -> None:
    body = (await api.post(REGISTER, {"input": person(birthDate="1990-02-30")}, as_user=bkd)).json()
    message = body["errors"][0]["message"]
    assert "birthDate" in message and "'1990-02-30' is not a date" in message


async def test_a_duplicate_nip_is_refused_and_the_first_record_kept(api: Api, db: Database, bkd: str) -> None:
    await api.query(REGISTER, {"input": person()}, as_user=bkd)
    again = await api.query(REGISTER, {"input": person(name="Someone Else")}, as_user=bkd)
    assert again["registerEmployee"]["errors"][0]["field"] == "nip"
    assert "already registered" in again["registerEmployee"]["errors"][0]["message"]
    assert await _count(db, Employee) == 1


async def test_registering_needs_a_bkd_or_admin_role(api: Api, db: Database) -> None:
    data = await api.query(REGISTER, {"input": person()}, as_user="nobody")
    assert data["registerEmployee"]["errors"][0]["code"] == "FORBIDDEN"
    assert await _count(db, Employee) == 0
    async with db.read() as s:
        refusal = (await s.execute(select(AuditEvent))).scalar_one()
    assert (refusal.actor, refusal.action, refusal.entity_id) == ("nobody", "employee.register.refused", GOOD_NIP)


def post(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "BKD-ANALIS",
        "title": "Analis SDM Aparatur",
        "type": "FUNGSIONAL",
        "unitCode": "BKD",
        "quota": 4,
        "jobClass": 9,
        "minEducation": "S1",
        "minRank": "III/a",
        "maxRank": "III/d",
        **overrides,
    }


async def test_a_position_is_created_then_updated_with_only_the_change_audited(
    api: Api, db: Database, bkd: str
) -> None:
    created = await api.query(UPSERT, {"input": post()}, as_user=bkd)
    assert created["upsertPosition"] == {
        "position": {"code": "BKD-ANALIS", "vacancies": 4, "unit": {"code": "BKD"}},
        "errors": [],
    }
    updated = await api.query(UPSERT, {"input": post(quota=6)}, as_user=bkd)
    assert updated["upsertPosition"]["position"]["vacancies"] == 6
    async with db.read() as s:
        events = (await s.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    assert [e.action for e in events] == ["position.created", "position.updated"]
    assert events[1].before == {"quota": 4} and events[1].after == {"quota": 6}


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"quota": -1}, "quota", "quota -1 must not be negative"),
        ({"unitCode": "NOWHERE"}, "unitCode", "'NOWHERE' is not a unit"),
        ({"type": "RAJA"}, "type", "'RAJA' is not one of"),
        ({"minRank": "III/x"}, "minRank", "'III/x' is not a rank"),
        ({"maxRank": "II/a"}, "maxRank", "below minRank III/a"),
        ({"jobClass": 18}, "jobClass", "between 1 and 17"),
    ],
)
async def test_each_bad_position_input_is_refused(
    api: Api, db: Database, bkd: str, overrides: dict[str, Any], field: str, words: str
) -> None:
    data = await api.query(UPSERT, {"input": post(**overrides)}, as_user=bkd)
    errors = data["upsertPosition"]["errors"]
    assert any(e["field"] == field and words in e["message"] for e in errors), errors
    assert await _count(db, Position) == 1


async def test_an_idempotency_key_replays_the_registration_and_refuses_another_input(
    api: Api, db: Database, bkd: str
) -> None:
    first = await api.query(REGISTER, {"input": person(idempotencyKey="reg-1")}, as_user=bkd)
    again = await api.query(REGISTER, {"input": person(idempotencyKey="reg-1")}, as_user=bkd)
    assert first["registerEmployee"] == again["registerEmployee"]
    assert again["registerEmployee"]["errors"] == []
    other = await api.query(REGISTER, {"input": person(name="Someone Else", idempotencyKey="reg-1")}, as_user=bkd)
    assert [e["code"] for e in other["registerEmployee"]["errors"]] == ["IDEMPOTENCY_MISMATCH"]
    assert await _count(db, Employee) == 1
    async with db.read() as s:
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert actions == ["employee.registered"]


async def test_an_idempotency_key_replays_a_position_change_and_refuses_another_input(
    api: Api, db: Database, bkd: str
) -> None:
    first = await api.query(UPSERT, {"input": post(quota=5, idempotencyKey="pos-1")}, as_user=bkd)
    again = await api.query(UPSERT, {"input": post(quota=5, idempotencyKey="pos-1")}, as_user=bkd)
    assert first["upsertPosition"] == again["upsertPosition"] and again["upsertPosition"]["errors"] == []
    other = await api.query(UPSERT, {"input": post(quota=7, idempotencyKey="pos-1")}, as_user=bkd)
    assert [e["code"] for e in other["upsertPosition"]["errors"]] == ["IDEMPOTENCY_MISMATCH"]
    async with db.read() as s:
        actions = (await s.execute(select(AuditEvent.action))).scalars().all()
    assert actions == ["position.created"]
