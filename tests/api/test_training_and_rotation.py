"""Training and rotation as the agency uses them: a requester withdraws a training request; the shortfall of
the year's 20 hours (JP) and the list of people due for rotation (5+ years in post), each showing only the
people the viewer may read; and years as *ahli madya* counting for a senior executive post."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from server.models import Assignment, TrainingRecord
from tests.api.helpers import (
    TMT,
    DemoApi,
    act,
    add_position,
    codes,
    employee_id,
    fill_position,
    has_task,
    option,
    request,
    run,
    state_of,
)
from tests.api.test_position_promotion import promotion, verification_refusal
from tests.api.test_training import CLAIM, request_training

SHORTFALL = """query($year: Int!, $unit: String) {
  trainingShortfall(year: $year, unitCode: $unit, first: 100) {
    totalCount edges { node { employee { nip } hours missing } }
  }
}"""
ROTATION = """query($unit: String) {
  dueForRotation(unitCode: $unit, first: 100) {
    totalCount edges { node { employee { nip } position { code } since years } }
  }
}"""


async def in_post_since(db: Any, nip: str, start: dt.date) -> None:
    """The employee's current post started on ``start``, and they held no post before it."""
    who = await employee_id(db, nip)
    async with db.write() as s:
        current = (
            await s.execute(select(Assignment).where(Assignment.employee_id == who, Assignment.end_date.is_(None)))
        ).scalar_one()
        await s.execute(delete(Assignment).where(Assignment.employee_id == who, Assignment.id != current.id))
        current.start_date = start


# ---------------------------------------------------------------------------------------------- withdraw


async def test_the_requester_withdraws_a_training_request_before_attending(demo: DemoApi) -> None:
    rid = await request_training(demo)
    found = await request(demo, "employee", rid)
    assert found is not None and option(found, "withdraw")["allowed"] is True
    withdrawn = (await act(demo, "employee", rid, "withdraw"))["request"]
    assert (withdrawn["state"], withdrawn["terminal"], withdrawn["openTasks"]) == ("withdrawn", True, [])
    assert not await has_task(demo, "unit_head", rid), "the supervisor's approval task is closed"


async def test_an_approved_training_may_still_be_withdrawn_but_not_once_attended(demo: DemoApi) -> None:
    rid = await request_training(demo)
    await run(demo, rid, [("unit_head", "approve")])
    assert (await act(demo, "employee", rid, "withdraw"))["request"]["state"] == "withdrawn"
    other = await request_training(demo)
    await run(demo, other, [("unit_head", "approve"), ("employee", "record_attendance")])
    assert codes(await act(demo, "employee", other, "withdraw")) == ["INVALID_TRANSITION"]
    assert await state_of(demo, other) == "attended"


async def test_only_the_requester_withdraws(demo: DemoApi) -> None:
    rid = await request_training(demo)
    found = await request(demo, "unit_head", rid)
    assert found is not None and option(found, "withdraw")["allowed"] is False
    assert codes(await act(demo, "unit_head", rid, "withdraw")) == ["FORBIDDEN"]
    assert await state_of(demo, rid) == "requested"


# ---------------------------------------------------------------------------------------------- shortfall


async def no_training_in(api: DemoApi, persona: str, year: int) -> None:
    who = await employee_id(api.db, api.uid(persona))
    async with api.db.write() as s:
        await s.execute(delete(TrainingRecord).where(TrainingRecord.employee_id == who))


async def shortfall(api: DemoApi, persona: str | None, year: int = 2026, unit: str | None = None) -> dict[str, Any]:
    variables = {"year": year, "unit": unit}
    if persona is None:
        return (await api.query(SHORTFALL, variables))["trainingShortfall"]  # type: ignore[no-any-return]
    return (await api.ask(persona, SHORTFALL, **variables))["trainingShortfall"]  # type: ignore[no-any-return]


def nips(page: dict[str, Any]) -> set[str]:
    return {e["node"]["employee"]["nip"] for e in page["edges"]}


async def test_the_unit_head_sees_who_in_the_unit_is_below_20_hours_and_how_many_are_missing(demo: DemoApi) -> None:
    await no_training_in(demo, "employee", 2026)
    page = await shortfall(demo, "unit_head", unit="KEL-GAMBIR-01")
    mine = [e["node"] for e in page["edges"] if e["node"]["employee"]["nip"] == demo.uid("employee")]
    assert mine == [{"employee": {"nip": demo.uid("employee")}, "hours": 0, "missing": 20}]
    # listed for the hours (missing = 20 - hours) or, with 20 JP or more, for a priority area (test_training_needs)
    assert all(e["node"]["missing"] == max(20 - e["node"]["hours"], 0) for e in page["edges"])
    assert page["totalCount"] == len(page["edges"])


async def test_verified_hours_reduce_the_shortfall_until_the_employee_leaves_the_list(demo: DemoApi) -> None:
    await no_training_in(demo, "employee", 2026)
    rid = await request_training(demo)
    steps = [("unit_head", "approve"), ("employee", "record_attendance"), ("employee", "claim", CLAIM)]
    await run(demo, rid, [*steps, ("bkd_verifier", "verify")])
    mine = [e["node"] for e in (await shortfall(demo, "unit_hr", unit="KEL-GAMBIR-01"))["edges"]]
    assert {"employee": {"nip": demo.uid("employee")}, "hours": 12, "missing": 8} in mine
    again = await request_training(demo)
    await run(demo, again, [*steps, ("bkd_verifier", "verify")])  # 24 hours now
    assert demo.uid("employee") not in nips(await shortfall(demo, "unit_hr", unit="KEL-GAMBIR-01"))


async def test_unit_hr_sees_the_subtree_and_bkd_the_province(demo: DemoApi) -> None:
    await no_training_in(demo, "employee", 2026)
    assert demo.uid("employee") in nips(await shortfall(demo, "unit_hr", unit="KEL-GAMBIR-01"))  # KEC-GAMBIR's subtree
    assert demo.uid("employee") in nips(await shortfall(demo, "bkd_official", unit="KEL-GAMBIR-01"))
    assert (await shortfall(demo, "unit_hr", unit="KEL-GAMBIR-02"))["totalCount"] > 0


async def test_another_units_head_and_a_colleague_see_nobody_of_the_unit(demo: DemoApi) -> None:
    await no_training_in(demo, "employee", 2026)
    await no_training_in(demo, "unit_head", 2026)
    assert (await shortfall(demo, "target_head", unit="KEL-GAMBIR-01"))["edges"] == []
    assert demo.uid("employee") not in nips(await shortfall(demo, "target_head"))
    # an employee reads only their own file: the unit's list shows them alone, another unit's nobody
    assert nips(await shortfall(demo, "employee", unit="KEL-GAMBIR-01")) == {demo.uid("employee")}
    assert (await shortfall(demo, "employee", unit="KEL-GAMBIR-02"))["edges"] == []


async def test_anonymous_sees_nothing(demo: DemoApi) -> None:
    await no_training_in(demo, "employee", 2026)
    page = await shortfall(demo, None)
    assert (page["edges"], page["totalCount"]) == ([], 0)


# ---------------------------------------------------------------------------------------------- rotation


async def rotation(api: DemoApi, persona: str | None, unit: str | None = None) -> dict[str, Any]:
    if persona is None:
        return (await api.query(ROTATION, {"unit": unit}))["dueForRotation"]  # type: ignore[no-any-return]
    return (await api.ask(persona, ROTATION, unit=unit))["dueForRotation"]  # type: ignore[no-any-return]


async def test_five_years_in_post_puts_an_employee_on_the_units_rotation_list(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    assert nip not in {
        e["node"]["employee"]["nip"] for e in (await rotation(demo, "unit_head", "KEL-GAMBIR-01"))["edges"]
    }
    await in_post_since(demo.db, nip, dt.date(2021, 11, 28))  # five years on the demo's today
    page = await rotation(demo, "unit_head", "KEL-GAMBIR-01")
    mine = [e["node"] for e in page["edges"] if e["node"]["employee"]["nip"] == nip]
    assert mine == [
        {"employee": {"nip": nip}, "position": {"code": "KEL-GAMBIR-01-PLK1"}, "since": "2021-11-28", "years": 5}
    ]
    assert all(e["node"]["years"] >= 5 for e in page["edges"])
    assert page["totalCount"] == len(page["edges"])


async def test_a_day_short_of_five_years_is_not_yet_due(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await in_post_since(demo.db, nip, dt.date(2021, 11, 29))
    assert nip not in {
        e["node"]["employee"]["nip"] for e in (await rotation(demo, "unit_head", "KEL-GAMBIR-01"))["edges"]
    }


async def test_the_rotation_list_is_scoped_like_the_registry(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await in_post_since(demo.db, nip, dt.date(2019, 1, 1))
    listed = lambda page: {e["node"]["employee"]["nip"] for e in page["edges"]}  # noqa: E731
    assert nip in listed(await rotation(demo, "unit_hr", "KEL-GAMBIR-01"))
    assert nip in listed(await rotation(demo, "bkd_official", "KEL-GAMBIR-01"))
    assert (await rotation(demo, "target_head", "KEL-GAMBIR-01"))["edges"] == []
    assert (await rotation(demo, "employee", "KEL-GAMBIR-02"))["edges"] == []
    assert (await rotation(demo, None))["edges"] == []


# ---------------------------------------------------------------------------------------------- senior executive


async def test_years_as_ahli_madya_count_for_a_senior_executive_post(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    await add_position(
        demo.db,
        "KEC-GAMBIR-JF-MADYA",
        unit_code="KEC-GAMBIR",
        type="FUNGSIONAL",
        job_class=11,
        quota=2,
        min_rank="IV/a",
        max_rank="IV/c",
    )
    await add_position(demo.db, "KEC-GAMBIR-JPT", unit_code="KEC-GAMBIR", type="JPT_PRATAMA", job_class=14)
    await in_post_since(demo.db, nip, dt.date(2022, 1, 1))
    await fill_position(demo.db, "KEC-GAMBIR-JF-MADYA", nip, dt.date(2024, 1, 1))  # ahli madya for 2.9 years on TMT
    rid = await promotion(demo, "KEC-GAMBIR-JPT", persona="bkd_official", nip=nip)
    payload = await act(demo, "bkd_verifier", rid, "verify")
    said = " ".join(e["message"] for e in payload["errors"])
    assert "ahli madya, less than" not in said, said


async def test_without_administrator_or_ahli_madya_years_a_senior_executive_post_is_refused(demo: DemoApi) -> None:
    await add_position(demo.db, "KEC-GAMBIR-JPT", unit_code="KEC-GAMBIR", type="JPT_PRATAMA", job_class=14)
    rid = await promotion(demo, "KEC-GAMBIR-JPT", persona="bkd_official", nip=demo.uid("employee"))
    payload = await verification_refusal(demo, rid)
    assert "0.0 years as administrator or ahli madya, less than 2" in payload["errors"][0]["message"]  # type: ignore[index]
    assert TMT.year == 2026
