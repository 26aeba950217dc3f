"""Personnel records are entered by the unit's HR operator for the unit's staff, or by BKD: anyone else is told
what an unknown NIP tells (authorize first), and nobody enters records about themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from server.models import DisciplinarySanction, Position, Unit
from tests.api.helpers import DemoApi, audit_events, codes, employee_id, grant_role
from tests.api.records_helpers import record, recorded
from tests.security.authfirst_helpers import NO_SUCH_NIP, same_bytes

# Invalid apart from the subject (the sanction ends before it starts): a validation that ran before the
# authority check would answer VALIDATION about a real employee and NOT_FOUND about a missing one.
BAD_SANCTION: dict[str, Any] = {
    "severity": "heavy",
    "startDate": dt.date(2026, 6, 1),
    "endDate": dt.date(2026, 5, 1),
    "decreeNo": "HD-99/2026",
}
RECORDS: dict[str, dict[str, Any]] = {
    "recordSanction": BAD_SANCTION,
    "recordServiceExam": {"group": "V", "certificateNo": "UD-1", "passedOn": dt.date(2025, 1, 1)},
    "recordAssessment": {
        "assessedOn": dt.date(2026, 1, 1),
        "potentialScore": 500,
        "potentialClass": "high",
        "reportNo": "AC-1",
    },
    "recordEducation": {"level": "SD", "graduatedOn": dt.date(2025, 1, 1), "evidence": "ijazah"},
}


async def sanctions_of(api: DemoApi, nip: str) -> int:
    who = await employee_id(api.db, nip)
    async with api.db.read() as s:
        count = await s.scalar(select(func.count()).where(DisciplinarySanction.employee_id == who))
        return int(count or 0)


async def test_unit_hr_of_another_unit_is_answered_as_if_the_nip_did_not_exist(demo: DemoApi) -> None:
    await grant_role(demo, "target_head", "unit_hr", "KEL-GAMBIR-02")  # HR of the neighbouring kelurahan
    nip = demo.uid("employee")  # works in KEL-GAMBIR-01
    before = await sanctions_of(demo, nip)
    for mutation, values in RECORDS.items():
        real = await record(demo, "target_head", mutation, employeeNip=nip, **values)
        missing = await record(demo, "target_head", mutation, employeeNip=NO_SUCH_NIP, **values)
        assert codes(real) == ["NOT_FOUND"], (mutation, real)
        assert same_bytes(real, missing, nip, NO_SUCH_NIP), (mutation, real, missing)
    assert await sanctions_of(demo, nip) == before

    refusals = await audit_events(demo, entityId=nip, action="employee.record_sanction.refused")
    assert [(e["actor"], e["after"]["reason"]) for e in refusals] == [
        (demo.uid("target_head"), "outside the viewer's scope")
    ]


async def test_ending_a_sanction_outside_ones_unit_reads_like_an_unknown_sanction(demo: DemoApi) -> None:
    entered = await recorded(
        demo, "unit_hr", "recordSanction", employeeNip=demo.uid("employee"), severity="moderate",
        startDate=dt.date(2026, 6, 1), endDate=dt.date(2027, 5, 31), decreeNo="HD-7/2026",
    )  # fmt: skip
    real_id = entered["sanction"]["id"]
    await grant_role(demo, "target_head", "unit_hr", "KEL-GAMBIR-02")
    values = {"endDate": dt.date(2026, 5, 1), "reason": "appeal granted"}  # also before the start
    real = await record(demo, "target_head", "endSanctionEarly", sanctionId=real_id, **values)
    missing = await record(demo, "target_head", "endSanctionEarly", sanctionId="99999", **values)
    assert codes(real) == ["NOT_FOUND"] and same_bytes(real, missing, real_id, "99999"), (real, missing)


async def test_nobody_enters_records_about_themselves(demo: DemoApi) -> None:
    own = await record(
        demo, "employee", "recordServiceExam", employeeNip=demo.uid("employee"), group="III",
        certificateNo="UD-I/1/2025", passedOn=dt.date(2025, 9, 10),
    )  # fmt: skip
    assert codes(own) == ["FORBIDDEN"] and "in their own case" in own["errors"][0]["message"]
    hr_self = await record(
        demo, "unit_hr", "recordEducation", employeeNip=demo.uid("unit_hr"), level="S3",
        graduatedOn=dt.date(2025, 9, 10), evidence="ijazah S3",
    )  # fmt: skip
    assert codes(hr_self) == ["FORBIDDEN"] and "in their own case" in hr_self["errors"][0]["message"]


async def test_an_employee_without_a_role_cannot_enter_a_colleagues_sanction(demo: DemoApi) -> None:
    colleague = demo.uid("unit_head")  # the employee's own head, whose file the employee may not read
    payload = await record(demo, "employee", "recordSanction", employeeNip=colleague, **BAD_SANCTION)
    missing = await record(demo, "employee", "recordSanction", employeeNip=NO_SUCH_NIP, **BAD_SANCTION)
    assert codes(payload) == ["NOT_FOUND"] and same_bytes(payload, missing, colleague, NO_SUCH_NIP), payload
    assert await sanctions_of(demo, colleague) == 0


async def test_unit_hr_cannot_register_into_a_position_outside_their_unit(demo: DemoApi) -> None:
    async with demo.db.read() as s:
        elsewhere = await s.scalar(
            select(Position.code).join(Unit, Unit.id == Position.unit_id).where(Unit.code == "BKD-MUTASI").limit(1)
        )
    assert elsewhere is not None
    person = {
        "nip": "199803142024032011", "name": "Sari Wulandari", "birthDate": dt.date(1998, 3, 14), "gender": "F",
        "employmentType": "PNS", "education": "S1", "rankCode": "III/a", "rankSince": dt.date(2025, 3, 1),
    }  # fmt: skip
    real = await record(demo, "unit_hr", "registerEmployee", **person, positionCode=elsewhere)
    missing = await record(demo, "unit_hr", "registerEmployee", **person, positionCode="NO-SUCH-POST")
    assert codes(real) == ["NOT_FOUND"] and same_bytes(real, missing, elsewhere, "NO-SUCH-POST"), (real, missing)
