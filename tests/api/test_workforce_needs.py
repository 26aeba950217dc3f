"""Workload analysis (ABK) through the API as the demo personas: needed staff = sum(annual volume x norm hours)
/ 1,250 effective hours, against the approved quota (formasi) and the holders; who may enter and read it; and the
quota in force on a day (docs/planning.md has the worked examples these tests prove)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import DemoApi, audit_events, codes, fields, position
from tests.schema.conftest import StatementCounter

NEEDS = """query($unit: String!, $sub: Boolean, $asOf: Date) {
  workforceNeeds(unitCode: $unit, includeSubunits: $sub, asOf: $asOf) {
    position { code quota unit { code } } annualHours neededStaff approvedQuota filled gap
    tasks { task annualVolume normHours }
  }
}"""
SET_WORKLOAD = """mutation($input: SetPositionWorkloadInput!) { setPositionWorkload(input: $input) {
  position { code } tasks { task annualVolume normHours } errors { code message field }
} }"""
UPSERT_QUOTA = """mutation($code: String!, $quota: Int!) { upsertPosition(input: {code: $code, quota: $quota}) {
  position { code quota } errors { code message field }
} }"""

# Worked example 1 of docs/planning.md: a pelaksana post of a kelurahan.
EXAMPLE_1 = [
    {"task": "Mengagendakan surat masuk dan keluar", "annualVolume": 3000, "normHours": 0.25},  # 750 h
    {"task": "Melayani permohonan masyarakat", "annualVolume": 2400, "normHours": 0.5},  # 1,200 h
    {"task": "Mengolah data kegiatan", "annualVolume": 150, "normHours": 2.0},  # 300 h
]


async def set_workload(api: DemoApi, persona: str, code: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    data = await api.ask(persona, SET_WORKLOAD, input={"positionCode": code, "tasks": tasks})
    return data["setPositionWorkload"]  # type: ignore[no-any-return]


async def needs(
    api: DemoApi, persona: str, unit: str, *, sub: bool = True, as_of: dt.date | None = None
) -> dict[str, dict[str, Any]]:
    data = await api.ask(persona, NEEDS, unit=unit, sub=sub, asOf=as_of.isoformat() if as_of else None)
    return {n["position"]["code"]: n for n in data["workforceNeeds"]}


async def test_needed_staff_is_the_annual_hours_over_1250_and_the_gap_counts_whole_people(demo: DemoApi) -> None:
    stored = await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, EXAMPLE_1)
    assert stored["errors"] == []
    assert [t["task"] for t in stored["tasks"]] == sorted(t["task"] for t in EXAMPLE_1)
    held = await position(demo, EMPLOYEE_POSITION)
    need = (await needs(demo, "unit_head", "KEL-GAMBIR-01"))[EMPLOYEE_POSITION]
    assert need["annualHours"] == 2250.0  # 750 + 1,200 + 300
    assert need["neededStaff"] == 1.8  # 2,250 / 1,250
    assert need["approvedQuota"] == held["quota"]
    assert need["filled"] == len(held["holderNips"])
    assert need["gap"] == 2 - need["filled"]  # 1.8 people need 2
    assert len(need["tasks"]) == 3


async def test_half_a_persons_year_or_more_needs_one_more_person(demo: DemoApi) -> None:
    filled = len((await position(demo, EMPLOYEE_POSITION))["holderNips"])
    half = [{"task": "Melayani permohonan masyarakat", "annualVolume": 3750, "normHours": 0.5}]  # 1,875 h
    assert (await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, half))["errors"] == []
    need = (await needs(demo, "unit_hr", "KEL-GAMBIR-01"))[EMPLOYEE_POSITION]
    assert (need["neededStaff"], need["gap"]) == (1.5, 2 - filled)
    under = [{"task": "Melayani permohonan masyarakat", "annualVolume": 3725, "normHours": 0.5}]  # 1,862.5 h
    assert (await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, under))["errors"] == []
    need = (await needs(demo, "unit_hr", "KEL-GAMBIR-01"))[EMPLOYEE_POSITION]
    assert (need["neededStaff"], need["gap"]) == (1.49, 1 - filled)


async def test_a_position_without_a_workload_needs_nobody_and_its_holders_are_surplus(demo: DemoApi) -> None:
    assert (await set_workload(demo, "bkd_official", EMPLOYEE_POSITION, []))["errors"] == []
    need = (await needs(demo, "bkd_verifier", "KEL-GAMBIR-01", sub=False))[EMPLOYEE_POSITION]
    assert (need["annualHours"], need["neededStaff"], need["tasks"]) == (0.0, 0.0, [])
    assert need["gap"] == -need["filled"]


async def test_the_seed_gives_every_position_a_plausible_workload(demo: DemoApi) -> None:
    found = await needs(demo, "auditor", "KEC-GAMBIR")
    assert {"KEC-GAMBIR-KA", "KEL-GAMBIR-01-KA", EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION} <= found.keys()
    for need in found.values():
        assert need["tasks"] and need["annualHours"] > 0
        assert 0.6 * need["approvedQuota"] <= need["neededStaff"] <= 1.4 * need["approvedQuota"]


async def test_reading_workloads_is_for_the_units_readers_and_the_list_is_scoped_in_sql(demo: DemoApi) -> None:
    district = await needs(demo, "unit_hr", "KEC-GAMBIR")  # unit HR of the kecamatan: its whole subtree
    units = {n["position"]["unit"]["code"] for n in district.values()}
    assert {"KEC-GAMBIR", "KEL-GAMBIR-01", "KEL-GAMBIR-02"} <= units
    own = await needs(demo, "unit_head", "KEC-GAMBIR")  # the lurah of KEL-GAMBIR-01: only their kelurahan
    assert {n["position"]["unit"]["code"] for n in own.values()} == {"KEL-GAMBIR-01"}
    assert await needs(demo, "target_head", "KEL-GAMBIR-01") == {}  # another unit's head
    assert await needs(demo, "employee", "KEL-GAMBIR-01") == {}  # staff read no workloads, not even their own post's
    assert set(await needs(demo, "board_member", "KEL-GAMBIR-01", sub=False)) == {
        c for c, n in district.items() if n["position"]["unit"]["code"] == "KEL-GAMBIR-01"
    }


async def test_anonymous_clients_see_no_workload_and_cannot_enter_one(demo: DemoApi) -> None:
    data = await demo.query(NEEDS, {"unit": "KEL-GAMBIR-01"})
    assert data["workforceNeeds"] == []
    payload = (await demo.query(SET_WORKLOAD, {"input": {"positionCode": EMPLOYEE_POSITION, "tasks": EXAMPLE_1}}))[
        "setPositionWorkload"
    ]
    assert codes(payload) == ["FORBIDDEN"]


async def test_only_the_units_hr_or_bkd_enter_a_workload_and_refusals_are_audited(demo: DemoApi) -> None:
    head = await set_workload(demo, "unit_head", EMPLOYEE_POSITION, EXAMPLE_1)  # heads read, HR enters
    assert codes(head) == ["FORBIDDEN"]
    elsewhere = await set_workload(demo, "unit_hr", "BKD-MUTASI-KA", EXAMPLE_1)  # outside KEC-GAMBIR
    assert codes(elsewhere) == ["FORBIDDEN"]
    unknown = await set_workload(demo, "unit_hr", "NO-SUCH-POST", EXAMPLE_1)
    assert (codes(unknown), fields(unknown)) == (["NOT_FOUND"], ["positionCode"])
    refused = await audit_events(demo, action="position.workload.refused")
    assert [e["entityId"] for e in refused] == [EMPLOYEE_POSITION, "BKD-MUTASI-KA"]


async def test_a_workload_change_is_audited_with_the_tasks_before_and_after(demo: DemoApi) -> None:
    seeded = (await needs(demo, "unit_hr", "KEL-GAMBIR-01"))[EMPLOYEE_POSITION]["tasks"]
    assert (await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, EXAMPLE_1))["errors"] == []
    [event] = await audit_events(demo, action="position.workload_set")
    assert (event["actor"], event["entityType"], event["entityId"]) == (
        demo.uid("unit_hr"),
        "position",
        EMPLOYEE_POSITION,
    )
    assert event["before"] == {"tasks": seeded}
    assert event["after"] == {"tasks": sorted(EXAMPLE_1, key=lambda t: t["task"])}


async def test_every_wrong_task_is_named_with_its_value(demo: DemoApi) -> None:
    wrong = [
        {"task": " ", "annualVolume": 10, "normHours": 1.0},
        {"task": "Rapat", "annualVolume": 0, "normHours": 1.0},
        {"task": "rapat", "annualVolume": 5, "normHours": 0.001},
        {"task": "Kajian", "annualVolume": 1, "normHours": 1300.0},
    ]
    payload = await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, wrong)
    assert fields(payload) == [
        "tasks[0].task",
        "tasks[1].annualVolume",
        "tasks[2].task",
        "tasks[2].normHours",
        "tasks[3].normHours",
    ]
    assert "annualVolume 0" in payload["errors"][1]["message"]
    assert "1300.0" in payload["errors"][4]["message"] and "1250" in payload["errors"][4]["message"]


async def test_the_quota_in_force_on_a_day_survives_a_change_on_1_january(demo: DemoApi) -> None:
    new_year = dt.date(2027, 1, 1)
    before = (await position(demo, TRANSFER_TARGET_POSITION))["quota"]
    async with demo.on(new_year) as later:
        changed = await later.ask("bkd_official", UPSERT_QUOTA, code=TRANSFER_TARGET_POSITION, quota=before + 2)
        assert changed["upsertPosition"]["errors"] == []
        on_eve = await needs(later, "bkd_verifier", "KEL-GAMBIR-02", as_of=new_year - dt.timedelta(days=1))
        on_day = await needs(later, "bkd_verifier", "KEL-GAMBIR-02", as_of=new_year)
        today = await needs(later, "bkd_verifier", "KEL-GAMBIR-02")
        assert (await position(later, TRANSFER_TARGET_POSITION))["quota"] == before + 2
    assert on_eve[TRANSFER_TARGET_POSITION]["approvedQuota"] == before
    assert on_day[TRANSFER_TARGET_POSITION]["approvedQuota"] == before + 2
    assert today[TRANSFER_TARGET_POSITION]["approvedQuota"] == before + 2
    assert on_eve[TRANSFER_TARGET_POSITION]["position"]["quota"] == before + 2  # Position.quota is today's


async def test_the_seeded_formasi_of_2025_is_read_as_of_earlier_days(demo: DemoApi) -> None:
    earlier = await needs(demo, "auditor", "SETDA", as_of=dt.date(2024, 6, 30))
    now = await needs(demo, "auditor", "SETDA")
    changed = [c for c in now if earlier[c]["approvedQuota"] != now[c]["approvedQuota"]]
    assert changed, "some staff posts had another quota before the 2025 formasi"
    assert all(now[c]["approvedQuota"] == now[c]["position"]["quota"] for c in now)


async def test_the_needs_of_a_whole_district_cost_as_many_statements_as_one_kelurahan(demo: DemoApi) -> None:
    async with demo.uncached() as api:  # the viewer loaded on every request: in both counts, always
        await needs(api, "unit_hr", "KEL-GAMBIR-02", sub=False)  # one-time loading outside the count
        with StatementCounter(api.db) as one:
            await needs(api, "unit_hr", "KEL-GAMBIR-01", sub=False)
        with StatementCounter(api.db) as many:
            found = await needs(api, "unit_hr", "KEC-GAMBIR")
    assert len(found) > 5
    assert many.count == one.count


async def test_an_analysis_of_more_than_100_tasks_is_refused_as_a_whole(demo: DemoApi) -> None:
    many = [{"task": f"Tugas {i}", "annualVolume": 1, "normHours": 1.0} for i in range(101)]
    payload = await set_workload(demo, "unit_hr", EMPLOYEE_POSITION, many)
    assert fields(payload) == ["tasks"]
    assert payload["errors"][0]["message"].startswith("101 tasks is too many")
