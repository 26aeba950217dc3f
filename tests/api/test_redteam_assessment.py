"""Red-team probes of assessment entry (the talent pool's potential axis): who may put someone into the pool,
and whether a refusal tells an outsider that a NIP exists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.helpers import DemoApi
from tests.api.records_helpers import record
from tests.api.talent_helpers import SCORES, pool

OUTSIDERS = """query { employees(filter: {unitCode: "KEC-PENJARINGAN"}, first: 1) { edges { node { nip } } } }"""
NOBODY = "199001012015031999"  # a well-formed NIP nobody has


async def assess_as(demo: DemoApi, persona: str, nip: str, on: dt.date = dt.date(2026, 3, 2)) -> dict[str, Any]:
    return await record(
        demo,
        persona,
        "recordAssessment",
        employeeNip=nip,
        assessedOn=on,
        potentialScore=SCORES["high"],
        potentialClass="high",
        reportNo="AC-2026/PROBE",
    )


def shape(payload: dict[str, Any], nip: str) -> list[tuple[str, str, str | None]]:
    return [(e["code"], e["message"].replace(nip, "NIP"), e["field"]) for e in payload["errors"]]


async def test_nobody_assesses_themselves_or_a_colleague_without_the_right(demo: DemoApi) -> None:
    me = demo.uid("employee")
    personas = ("employee", "unit_head", "target_head")
    answers = {p: [e["code"] for e in (await assess_as(demo, p, me))["errors"]] for p in personas}
    # the employee and their Lurah read the file but may not assess; another Lurah is told it does not exist
    assert answers == {"employee": ["FORBIDDEN"], "unit_head": ["FORBIDDEN"], "target_head": ["NOT_FOUND"]}
    other, nobody = await assess_as(demo, "target_head", me), await assess_as(demo, "target_head", NOBODY)
    assert shape(other, me) == shape(nobody, NOBODY)
    assert me not in {n["employee"]["nip"] for n in await pool(demo, "bkd_official", 2026, unitCode="KEL-GAMBIR-01")}


async def test_unit_hr_refused_on_another_districts_employee_learns_no_more_than_of_a_missing_nip(
    demo: DemoApi,
) -> None:
    (edge,) = (await demo.ask("auditor", OUTSIDERS))["employees"]["edges"]
    outsider = edge["node"]["nip"]
    hidden, missing = await assess_as(demo, "unit_hr", outsider), await assess_as(demo, "unit_hr", NOBODY)
    assert hidden["assessment"] is None and missing["assessment"] is None
    assert shape(hidden, outsider) == shape(missing, NOBODY)


async def test_unit_hr_assesses_their_own_units_employee_on_a_leap_day_and_it_counts_through_2026(
    demo: DemoApi,
) -> None:
    me = demo.uid("employee")
    payload = await assess_as(demo, "unit_hr", me, on=dt.date(2024, 2, 29))  # valid through 27 Feb 2027
    assert payload["errors"] == [], payload["errors"]
    found = {n["employee"]["nip"]: n for n in await pool(demo, "unit_hr", 2026, unitCode="KEL-GAMBIR-01")}
    assert found[me]["potential"] == "high" and found[me]["assessedOn"] == "2024-02-29"
