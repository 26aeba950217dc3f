"""The data the guards read, entered through the write path: validated, audited, and read by the next verify."""

from __future__ import annotations

import datetime as dt

from server.domain import nip as nips
from server.rules import rule_by_id
from tests.api.helpers import (
    TMT,
    DemoApi,
    add_position,
    audit_events,
    codes,
    employee,
    fields,
    proposed,
    state_of,
    update_employee,
)
from tests.api.records_helpers import act, record, recorded
from tests.api.test_eligibility import listed

TARGET = "KEL-GAMBIR-01-PLK2"  # a pelaksana post in the employee's own kelurahan with one free seat
SANCTIONS = rule_by_id("discipline.active_sanction/2021")


async def propose_placement(api: DemoApi) -> str:
    return await proposed(
        api, "unit_head", "proposePlacement", employeeNip=api.uid("employee"), positionCode=TARGET, effectiveDate=TMT
    )


async def test_a_heavy_sanction_recorded_by_unit_hr_fails_the_next_verify_naming_the_rule_and_its_basis(
    demo: DemoApi,
) -> None:
    nip = demo.uid("employee")
    rid = await propose_placement(demo)
    entered = await recorded(
        demo, "unit_hr", "recordSanction", employeeNip=nip, severity="heavy", startDate=dt.date(2026, 11, 1),
        endDate=dt.date(2027, 10, 31), decreeNo="HD-12/2026",
    )  # fmt: skip
    assert entered["sanction"] | {"id": None} == {
        "id": None, "employeeNip": nip, "severity": "heavy", "startDate": "2026-11-01", "endDate": "2027-10-31",
        "decreeNo": "HD-12/2026", "endedEarlyReason": None,
    }  # fmt: skip

    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["no_active_sanction"])
    error = refused["errors"][0]
    assert error["message"] == (
        "no_active_sanction: a heavy sanction runs from 2026-11-01 to 2027-10-31 (decree HD-12/2026) "
        f"(rule discipline.active_sanction/2021, {SANCTIONS.legal_basis})"
    )
    assert error["rule"] == {
        "id": "discipline.active_sanction/2021",
        "name": "discipline.active_sanction",
        "title": SANCTIONS.title,
        "validFrom": "2021-08-31",
        "validTo": None,
        "legalBasis": SANCTIONS.legal_basis,
    }
    assert await state_of(demo, rid) == "proposed"

    events = await audit_events(demo, entityType="employee", entityId=nip, action="employee.sanction_recorded")
    assert [(e["actor"], e["after"]["severity"], e["after"]["decreeNo"]) for e in events] == [
        (demo.uid("unit_hr"), "heavy", "HD-12/2026")
    ]


async def test_the_request_lists_the_rule_versions_it_is_judged_by_with_their_basis(demo: DemoApi) -> None:
    rid = await propose_placement(demo)
    query = "query($id: ID!) { request(id: $id) { rules { id name validFrom validTo legalBasis } } }"
    rules = (await demo.ask("auditor", query, id=rid))["request"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert {"placement.vacancy/2014", "discipline.active_sanction/2021", "retirement/2023"} <= set(by_id)
    assert by_id["discipline.active_sanction/2021"]["legalBasis"] == SANCTIONS.legal_basis
    assert all(r["legalBasis"] for r in rules)


async def test_a_sanction_ended_early_on_appeal_no_longer_blocks_and_keeps_its_decreed_end_in_the_audit(
    demo: DemoApi,
) -> None:
    nip = demo.uid("employee")
    entered = await recorded(
        demo, "bkd_official", "recordSanction", employeeNip=nip, severity="moderate", startDate=dt.date(2026, 6, 1),
        endDate=dt.date(2027, 5, 31), decreeNo="HD-7/2026",
    )  # fmt: skip
    sanction_id = entered["sanction"]["id"]
    rid = await propose_placement(demo)
    assert fields(await act(demo, "bkd_verifier", rid, "verify")) == ["no_active_sanction"]

    no_reason = await record(
        demo, "unit_hr", "endSanctionEarly", sanctionId=sanction_id, endDate=dt.date(2026, 11, 27), reason=" "
    )
    assert (codes(no_reason), fields(no_reason)) == (["VALIDATION"], ["reason"])
    ended = await recorded(
        demo, "unit_hr", "endSanctionEarly", sanctionId=sanction_id, endDate=dt.date(2026, 11, 27),
        reason="appeal granted by the appeal board, decision BPASN-3/2026",
    )  # fmt: skip
    assert (ended["sanction"]["endDate"], ended["sanction"]["endedEarlyReason"]) == (
        "2026-11-27",
        "appeal granted by the appeal board, decision BPASN-3/2026",
    )
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []
    assert await state_of(demo, rid) == "verified"

    (event,) = await audit_events(demo, entityId=nip, action="employee.sanction_ended_early")
    assert (event["before"]["endDate"], event["after"]["endDate"]) == ("2027-05-31", "2026-11-27")
    again = await record(
        demo, "unit_hr", "endSanctionEarly", sanctionId=sanction_id, endDate=dt.date(2026, 11, 20), reason="again"
    )
    assert fields(again) == ["sanctionId"]


async def test_a_sanction_ending_before_it_starts_is_refused_naming_end_date(demo: DemoApi) -> None:
    payload = await record(
        demo, "unit_hr", "recordSanction", employeeNip=demo.uid("employee"), severity="moderate",
        startDate=dt.date(2026, 6, 1), endDate=dt.date(2026, 5, 31), decreeNo="HD-8/2026",
    )  # fmt: skip
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["endDate"])
    assert payload["errors"][0]["message"] == (
        "endDate 2026-05-31 is before startDate 2026-06-01; a sanction ends on or after its start"
    )
    unknown = await record(
        demo, "unit_hr", "recordSanction", employeeNip=demo.uid("employee"), severity="severe",
        startDate=dt.date(2026, 6, 1), decreeNo="HD-9/2026",
    )  # fmt: skip
    assert fields(unknown) == ["severity"]


async def test_a_service_exam_certificate_entered_by_unit_hr_is_what_the_rank_guard_reads(demo: DemoApi) -> None:
    nip = demo.uid("employee")  # II/d, SLTA: the promotion to III/a enters group III
    await update_employee(demo.db, nip, has_service_exam=False)  # no certificate on file yet
    rid = await proposed(demo, "unit_hr", "proposeRankPromotion", employeeNip=nip, effectiveDate=TMT)
    assert (await act(demo, "unit_hr", rid, "prepare_documents"))["errors"] == []
    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert fields(refused) == ["service_exam"]
    assert refused["errors"][0]["rule"]["id"] == "rank_promotion.service_exam/2002"

    future = await record(
        demo, "unit_hr", "recordServiceExam", employeeNip=nip, group="III", certificateNo="UD-I/77/2025",
        passedOn=dt.date(2027, 1, 1),
    )  # fmt: skip
    assert fields(future) == ["passedOn"]
    entered = await recorded(
        demo, "unit_hr", "recordServiceExam", employeeNip=nip, group="III", certificateNo="UD-I/77/2025",
        passedOn=dt.date(2025, 9, 10),
    )  # fmt: skip
    assert entered["certificate"]["group"] == "III"
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []
    twice = await record(
        demo, "unit_hr", "recordServiceExam", employeeNip=nip, group="III", certificateNo="UD-I/78/2025",
        passedOn=dt.date(2025, 9, 10),
    )  # fmt: skip
    assert fields(twice) == ["group"] and "already holds" in twice["errors"][0]["message"]


async def promoted_to_iii_d(api: DemoApi) -> str:
    """The employee at III/d with an S2 (capped at IV/a), no legacy flag, and a group III certificate: the
    next promotion enters group IV."""
    nip = api.uid("employee")
    await update_employee(api.db, nip, rank_code="III/d", education="S2", has_service_exam=False)
    await recorded(
        api, "unit_hr", "recordServiceExam", employeeNip=nip, group="III", certificateNo="UD-I/12/2019",
        passedOn=dt.date(2019, 9, 10),
    )  # fmt: skip
    return nip


async def record_group_iv(api: DemoApi, nip: str) -> None:
    await recorded(
        api, "unit_hr", "recordServiceExam", employeeNip=nip, group="IV", certificateNo="UD-II/5/2025",
        passedOn=dt.date(2025, 9, 10),
    )  # fmt: skip


async def test_a_group_iii_certificate_does_not_let_a_iii_d_cross_into_group_iv_a_group_iv_one_does(
    demo: DemoApi,
) -> None:
    nip = await promoted_to_iii_d(demo)
    rid = await proposed(demo, "unit_hr", "proposeRankPromotion", employeeNip=nip, effectiveDate=TMT)
    assert (await act(demo, "unit_hr", rid, "prepare_documents"))["errors"] == []
    refused = await act(demo, "bkd_verifier", rid, "verify")
    assert fields(refused) == ["service_exam"]
    assert (
        "III/d to IV/a enters group IV, which needs the group IV service exam certificate"
        in (refused["errors"][0]["message"])
    )
    assert "opens group III only" in refused["errors"][0]["message"]

    await record_group_iv(demo, nip)
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []


async def test_the_eligibility_list_reads_the_certificates_as_verify_does(demo: DemoApi) -> None:
    nip = await promoted_to_iii_d(demo)
    assert nip not in await listed(demo)  # group III certificate only: verify would refuse (test above)

    await record_group_iv(demo, nip)
    assert (await listed(demo))[nip]["nextRank"]["code"] == "IV/a"
    rid = await proposed(demo, "unit_hr", "proposeRankPromotion", employeeNip=nip, effectiveDate=TMT)
    assert (await act(demo, "unit_hr", rid, "prepare_documents"))["errors"] == []
    assert (await act(demo, "bkd_verifier", rid, "verify"))["errors"] == []


async def test_education_rises_with_its_evidence_and_never_falls(demo: DemoApi) -> None:
    nip = demo.uid("employee")  # SLTA
    lower = await record(
        demo, "unit_hr", "recordEducation", employeeNip=nip, level="SLTP", graduatedOn=dt.date(2010, 6, 1),
        evidence="ijazah SLTP 12345",
    )  # fmt: skip
    assert (codes(lower), fields(lower)) == (["VALIDATION"], ["level"])
    done = await recorded(
        demo, "unit_hr", "recordEducation", employeeNip=nip, level="S1", graduatedOn=dt.date(2025, 8, 30),
        evidence="ijazah S1 Universitas Terbuka 2025/0042",
    )  # fmt: skip
    assert done["education"]["level"] == "S1"
    query = "query($nip: String!) { employee(nip: $nip) { education } }"
    assert (await demo.ask("auditor", query, nip=nip))["employee"]["education"] == "S1"
    (event,) = await audit_events(demo, entityId=nip, action="employee.education_recorded")
    assert (event["before"], event["after"]["education"]) == ({"education": "SLTA"}, "S1")


async def test_an_assessment_records_the_potential_the_talent_pool_reads(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    bad = await record(
        demo, "bkd_official", "recordAssessment", employeeNip=nip, assessedOn=dt.date(2026, 10, 1), potentialScore=101,
        potentialClass="top", reportNo="AC-2026/15",
    )  # fmt: skip
    assert sorted(fields(bad)) == ["potentialClass", "potentialScore"]  # type: ignore[type-var]
    done = await recorded(
        demo, "bkd_official", "recordAssessment", employeeNip=nip, assessedOn=dt.date(2026, 10, 1), potentialScore=82,
        potentialClass="high", reportNo="AC-2026/15",
    )  # fmt: skip
    assert (done["assessment"]["potentialScore"], done["assessment"]["potentialClass"]) == (82, "high")


async def test_unit_hr_registers_an_employee_into_a_position_of_their_unit(demo: DemoApi) -> None:
    await add_position(demo.db, "KEL-GAMBIR-01-PLK9", unit_code="KEL-GAMBIR-01", type="PELAKSANA", job_class=5, quota=1)
    new_nip = nips.make(dt.date(1998, 3, 14), (2024, 3), "F", 11)
    person = {
        "nip": new_nip, "name": "Sari Wulandari", "birthDate": dt.date(1998, 3, 14), "gender": "F",
        "employmentType": "PNS", "education": "S1", "rankCode": "III/a", "rankSince": dt.date(2025, 3, 1),
    }  # fmt: skip
    unplaced = await record(demo, "unit_hr", "registerEmployee", **person)
    assert codes(unplaced) == ["FORBIDDEN"] and "positionCode" in unplaced["errors"][0]["message"]

    done = await recorded(
        demo, "unit_hr", "registerEmployee", **person, positionCode="KEL-GAMBIR-01-PLK9",
        positionSince=dt.date(2026, 11, 1),
    )  # fmt: skip
    assert done["employee"]["nip"] == new_nip
    assert (await employee(demo, new_nip))["position"]["code"] == "KEL-GAMBIR-01-PLK9"

    full = await record(
        demo, "unit_hr", "registerEmployee", **person | {"nip": nips.make(dt.date(1998, 3, 14), (2024, 3), "F", 12)},
        positionCode="KEL-GAMBIR-01-PLK9",
    )  # fmt: skip
    assert fields(full) == ["positionCode"] and full["errors"][0]["rule"]["id"] == "placement.vacancy/2014"


async def test_upsert_position_changes_only_the_fields_it_gives(demo: DemoApi) -> None:
    await add_position(
        demo.db, "KEL-GAMBIR-01-PLK9", unit_code="KEL-GAMBIR-01", type="PELAKSANA", job_class=5, quota=1,
        min_rank="II/a", max_rank="III/b",
    )  # fmt: skip
    moved = await recorded(demo, "bkd_official", "upsertPosition", code="KEL-GAMBIR-01-PLK9", quota=3)
    position = moved["position"]
    assert (position["quota"], position["title"], position["type"], position["unit"]["code"]) == (
        3, "Kel Gambir 01 Plk9", "PELAKSANA", "KEL-GAMBIR-01",
    )  # fmt: skip
    assert (position["jobClass"], position["minRank"], position["maxRank"]) == (5, "II/a", "III/b")

    query = """mutation($input: UpsertPositionInput!) { upsertPosition(input: $input) {
      position { quota minRank maxRank jobClass } errors { code field message } } }"""
    cleared = await demo.ask("bkd_official", query, input={"code": "KEL-GAMBIR-01-PLK9", "minRank": None})
    assert cleared["upsertPosition"]["position"] == {"quota": 3, "minRank": None, "maxRank": "III/b", "jobClass": 5}
    nulled = await demo.ask("bkd_official", query, input={"code": "KEL-GAMBIR-01-PLK9", "title": None})
    assert [(e["code"], e["field"]) for e in nulled["upsertPosition"]["errors"]] == [("VALIDATION", "title")]
    created = await demo.ask("bkd_official", query, input={"code": "KEL-GAMBIR-01-NEW", "quota": 2})
    assert sorted(e["field"] for e in created["upsertPosition"]["errors"]) == ["title", "type", "unitCode"]


async def test_a_retried_sanction_with_its_idempotency_key_is_recorded_once(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    values = {
        "employeeNip": nip, "severity": "light", "startDate": dt.date(2026, 11, 2), "endDate": dt.date(2027, 5, 1),
        "decreeNo": "HD-3/2026", "idempotencyKey": "sanction-hd-3-2026",
    }  # fmt: skip
    first = await recorded(demo, "unit_hr", "recordSanction", **values)
    again = await recorded(demo, "unit_hr", "recordSanction", **values)
    assert again["sanction"] == first["sanction"]
    other = await record(demo, "unit_hr", "recordSanction", **values | {"severity": "heavy"})
    assert codes(other) == ["IDEMPOTENCY_MISMATCH"]
    assert len(await audit_events(demo, entityId=nip, action="employee.sanction_recorded")) == 1
