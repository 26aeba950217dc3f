"""Retirement at the retirement age through the API, as the demo personas: BKD proposes it for an employee who
reaches the retirement age of their post (58 for the employee's staff post, the ``retirement`` rule) ->
a BKD verifier verifies -> a BKD official records the decree -> on the 1st of the month after the birthday
the tick takes it into effect: the post closes the day before and the employee is retired.

Only BKD proposes (not the employee's head, not the employee, not anonymous; another unit's head is told
what a NIP that does not exist tells); the effective date must be the day the law sets, and the refusal says which day that is
and by which rule. Calendar: a December birthday retires on 1 January, a birthday on the 1st still retires on
the 1st of the next month, a 29 February birthday reaches the age on 28 February in a common year."""

from __future__ import annotations

import datetime as dt

from server.seed import EMPLOYEE_POSITION
from tests.api.helpers import (
    PROPOSE,
    DemoApi,
    act,
    codes,
    employee,
    fields,
    history,
    position,
    propose,
    proposed,
    state_of,
    update_employee,
)
from workflows.cli import tick

STATUS = "query($nip: String!) { employee(nip: $nip) { status } }"
DECEMBER_BIRTH = dt.date(1968, 12, 15)  # 58 on 15 December 2026
NEW_YEAR = dt.date(2027, 1, 1)


async def born(api: DemoApi, persona: str, day: dt.date) -> str:
    nip = api.uid(persona)
    await update_employee(api.db, nip, birth_date=day)
    return nip


async def propose_retirement(api: DemoApi, persona: str, nip: str, tmt: dt.date) -> dict[str, object]:
    return await propose(api, persona, "proposeRetirement", employeeNip=nip, effectiveDate=tmt)


async def test_an_employee_retires_on_the_first_of_january_after_a_december_birthday(demo: DemoApi) -> None:
    nip = await born(demo, "employee", DECEMBER_BIRTH)
    vacancies = (await position(demo, EMPLOYEE_POSITION))["vacancies"]
    rid = await proposed(demo, "bkd_official", "proposeRetirement", employeeNip=nip, effectiveDate=NEW_YEAR)
    assert await state_of(demo, rid) == "proposed"
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []
    decree = await act(demo, "bkd_official", rid, "issue_decree", data={"decreeNo": "800/KPG/2026"})
    assert decree["errors"] == [] and decree["request"]["state"] == "decreed"
    assert await tick(demo.db, today=dt.date(2026, 12, 31)) == 0
    assert await tick(demo.db, today=NEW_YEAR) == 1

    assert await state_of(demo, rid) == "effective"
    assert (await demo.ask("auditor", STATUS, nip=nip))["employee"]["status"] == "retired"
    person = await employee(demo, nip, as_of=NEW_YEAR)
    assert person["position"] is None
    assert (EMPLOYEE_POSITION, "2026-12-31") in {(a["position"]["code"], a["endDate"]) for a in person["assignments"]}
    async with demo.on(NEW_YEAR) as on_tmt:
        assert (await position(on_tmt, EMPLOYEE_POSITION))["vacancies"] == vacancies + 1
    trail = await history(demo, rid)
    assert [e["action"] for e in trail if e["action"].startswith("request.")] == [
        "request.propose",
        "request.verify",
        "request.issue_decree",
        "request.take_effect",
    ]
    effects = [e for e in trail if not e["action"].startswith("request.")]
    assert [e["action"] for e in effects] == ["assignment.closed", "employee.retired"]
    assert effects[1]["before"] == {"status": "active"}


async def test_only_bkd_proposes_a_retirement(demo: DemoApi) -> None:
    nip = await born(demo, "employee", DECEMBER_BIRTH)
    for persona in ("unit_head", "employee"):  # the employee's own head, and the employee about themself
        refused = await propose_retirement(demo, persona, nip, NEW_YEAR)
        assert (codes(refused), refused["request"]) == (["FORBIDDEN"], None), persona
    other = await propose_retirement(demo, "target_head", nip, NEW_YEAR)  # another unit's head: as if no such NIP
    assert (codes(other), fields(other)) == (["NOT_FOUND"], ["employeeNip"])
    assert "retire" not in str(other["errors"])


async def test_an_employee_too_young_is_refused_with_the_rule_and_the_day_they_retire(demo: DemoApi) -> None:
    nip = await born(demo, "employee", dt.date(1970, 5, 10))
    refused = await propose_retirement(demo, "bkd_official", nip, NEW_YEAR)
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["retirement_age_reached"])
    message = refused["errors"][0]["message"]  # type: ignore[index]
    assert "reaches the retirement age of 58 on 2028-05-10 and retires on 2028-06-01" in message
    assert "retirement/2023" in message
    late = await propose_retirement(demo, "bkd_official", nip, dt.date(2028, 7, 1))  # the law's day, not later
    assert codes(late) == ["GUARD_FAILED"]
    assert (await propose_retirement(demo, "bkd_official", nip, dt.date(2028, 6, 1)))["errors"] == []


async def test_one_unfinished_retirement_and_no_effective_date_in_the_past(demo: DemoApi) -> None:
    nip = await born(demo, "employee", DECEMBER_BIRTH)
    past = await propose_retirement(demo, "bkd_official", nip, dt.date(2026, 11, 1))
    assert (codes(past), fields(past)) == (["VALIDATION"], ["effectiveDate"])
    assert (await propose_retirement(demo, "bkd_official", nip, NEW_YEAR))["errors"] == []
    again = await propose_retirement(demo, "bkd_official", nip, NEW_YEAR)
    assert (codes(again), fields(again)) == (["VALIDATION"], ["employeeNip"])
    assert "unfinished retirement request" in again["errors"][0]["message"]  # type: ignore[index]


async def test_a_birthday_on_the_first_retires_on_the_first_of_the_next_month(demo: DemoApi) -> None:
    nip = await born(demo, "employee", dt.date(1969, 3, 1))  # 58 on 1 March 2027
    same_day = await propose_retirement(demo, "bkd_official", nip, dt.date(2027, 3, 1))
    assert "retires on 2027-04-01" in same_day["errors"][0]["message"]  # type: ignore[index]
    assert (await propose_retirement(demo, "bkd_official", nip, dt.date(2027, 4, 1)))["errors"] == []


async def test_a_leap_day_birthday_reaches_the_age_on_28_february(demo: DemoApi) -> None:
    nip = await born(demo, "employee", dt.date(1972, 2, 29))  # 58 on 28 February 2030 (a common year)
    early = await propose_retirement(demo, "bkd_official", nip, dt.date(2030, 2, 1))
    assert "reaches the retirement age of 58 on 2030-02-28 and retires on 2030-03-01" in str(early["errors"])
    assert (await propose_retirement(demo, "bkd_official", nip, dt.date(2030, 3, 1)))["errors"] == []


async def test_an_anonymous_client_is_told_to_sign_in_and_nothing_else(demo: DemoApi) -> None:
    nip = await born(demo, "employee", DECEMBER_BIRTH)
    values = {"employeeNip": nip, "effectiveDate": NEW_YEAR.isoformat()}
    payload = (await demo.query(PROPOSE["proposeRetirement"], {"input": values}))["proposeRetirement"]
    assert payload["request"] is None
    assert codes(payload) == ["FORBIDDEN"]
    assert "sign in first" in payload["errors"][0]["message"]  # and nothing about the employee
