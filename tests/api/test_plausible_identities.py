"""Plausible identities (identity.first_appointment): a NIP whose first appointment is in the future or less
than 18 years after birth is refused, and so is a rank held since before that appointment. The BKD official
registers through the API; the same rule checks ``asnflow import`` (tests/server/test_import_employees.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from server.domain import nip as nips
from tests.api.helpers import DemoApi

REGISTER = """mutation($input: RegisterEmployeeInput!) {
  registerEmployee(input: $input) { employee { nip rankSince } errors { code field message } } }"""


def person(birth: dt.date, appointed: tuple[int, int], **overrides: Any) -> dict[str, Any]:
    return {
        "nip": nips.make(birth, appointed, "F", 991),
        "name": "Rina Kusuma",
        "birthDate": birth.isoformat(),
        "gender": "F",
        "employmentType": "PNS",
        "education": "S1",
        "rankCode": "III/a",
        "rankSince": dt.date(*appointed, 1).isoformat(),
        **overrides,
    }


async def register(api: DemoApi, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await api.ask("bkd_official", REGISTER, input=data))["registerEmployee"]
    return result


@pytest.mark.parametrize(
    ("appointed", "accepted"),
    [((2026, 11), True), ((2026, 12), False), ((2031, 1), False)],
    ids=["this-month", "next-month", "years-ahead"],
)
async def test_a_first_appointment_after_today_is_refused(
    demo: DemoApi, appointed: tuple[int, int], accepted: bool
) -> None:
    pppk = {"employmentType": "PPPK", "rankCode": None, "rankSince": None}  # no rank TMT to be in the future too
    result = await register(demo, person(dt.date(1996, 2, 10), appointed, **pppk))
    if accepted:
        assert result["errors"] == [] and result["employee"] is not None
        return
    [error] = result["errors"]
    assert error["code"] == "VALIDATION" and error["field"] == "nip"
    assert (
        f"gives first appointment {appointed[0]}-{appointed[1]:02d}, which is after today (2026-11-28)"
        in (error["message"])
    )


async def test_today_is_the_services_date_so_next_month_is_fine_once_it_has_come(demo: DemoApi) -> None:
    async with demo.on(dt.date(2026, 12, 1)) as later:
        result = await register(later, person(dt.date(1996, 2, 10), (2026, 12), rankSince="2026-12-01"))
    assert result["errors"] == []


@pytest.mark.parametrize(
    ("appointed", "accepted"),
    [((2018, 5), True), ((2018, 4), False), ((2016, 7), False)],
    ids=["month-of-18th-birthday", "month-before", "at-16"],
)
async def test_a_first_appointment_before_the_age_of_18_is_refused(
    demo: DemoApi, appointed: tuple[int, int], accepted: bool
) -> None:
    result = await register(demo, person(dt.date(2000, 5, 17), appointed, education="SLTA", rankCode="II/a"))
    if accepted:
        assert result["errors"] == []
        return
    [error] = result["errors"]
    assert error["field"] == "nip"
    assert "less than 18 years after the birth date 2000-05-17" in error["message"]


async def test_a_rank_held_since_before_the_first_appointment_is_refused(demo: DemoApi) -> None:
    refused = await register(demo, person(dt.date(1990, 8, 1), (2014, 3), rankSince="2014-02-01"))
    [error] = refused["errors"]
    assert error["field"] == "rankSince"
    assert "rankSince 2014-02-01 is before the first appointment 2014-03" in error["message"]
    assert "identity.first_appointment" in error["message"]
    accepted = await register(demo, person(dt.date(1990, 8, 1), (2014, 3), rankSince="2014-03-01"))
    assert accepted["errors"] == [] and accepted["employee"]["rankSince"] == "2014-03-01"
