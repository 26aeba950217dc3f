"""Entering personnel records through the API (``recordSanction`` and friends), for the tests that read them."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import DemoApi, _input

RULE = "rule { id name title validFrom validTo legalBasis }"
ERRORS = f"errors {{ code message field {RULE} }}"
SANCTION = "sanction { id employeeNip severity startDate endDate decreeNo endedEarlyReason }"
MUTATIONS = {
    "recordSanction": ("RecordSanctionInput", SANCTION),
    "endSanctionEarly": ("EndSanctionEarlyInput", SANCTION),
    "recordServiceExam": ("RecordServiceExamInput", "certificate { id employeeNip group certificateNo passedOn }"),
    "recordAssessment": (
        "RecordAssessmentInput",
        "assessment { id employeeNip assessedOn potentialScore potentialClass reportNo }",
    ),
    "recordEducation": ("RecordEducationInput", "education { id employeeNip level graduatedOn evidence }"),
    "registerEmployee": ("RegisterEmployeeInput", "employee { nip position { code } }"),
    "upsertPosition": (
        "UpsertPositionInput",
        "position { code title type quota unit { code } jobClass minEducation minRank maxRank }",
    ),
}


async def record(api: DemoApi, persona: str, mutation: str, **values: Any) -> dict[str, Any]:
    """The payload of a record mutation as ``persona`` (values as the input's fields; dates as dates)."""
    input_type, selection = MUTATIONS[mutation]
    query = f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} {ERRORS} }} }}"
    data = await api.ask(persona, query, input=_input(values))
    return data[mutation]  # type: ignore[no-any-return]


async def recorded(api: DemoApi, persona: str, mutation: str, **values: Any) -> dict[str, Any]:
    payload = await record(api, persona, mutation, **values)
    assert payload["errors"] == [], payload["errors"]
    return payload


ACT = f"mutation($input: ActInput!) {{ act(input: $input) {{ request {{ id state }} {ERRORS} }} }}"


async def act(api: DemoApi, persona: str, request_id: str, action: str) -> dict[str, Any]:
    """``act`` as ``persona``, its errors with the rule version each applied."""
    data = await api.ask(persona, ACT, input={"requestId": request_id, "action": action})
    return data["act"]  # type: ignore[no-any-return]
