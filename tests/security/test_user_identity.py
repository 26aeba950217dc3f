"""One person, one user id: a NIP with display spaces is the same user, an id with whitespace around it is
nobody (not a second administrator), and grants go only to known users under their canonical id."""

from __future__ import annotations

import pytest

from server.domain.nip import format_nip
from server.identity import UserIdError, canonical_user_id
from tests.api.helpers import DemoApi
from tests.security.sod_helpers import REVOKE, events, grant, roles_of

WHO = "{ viewer { userId roles { role unitCode } } }"
GRANT_SELF = """mutation($input: GrantRoleInput!) { grantRole(input: $input) { errors { code message field } } }"""


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("19860926 201505 1 001", "198609262015051001"), ("198609262015051001", "198609262015051001"), ("admin", "admin")],
)
def test_a_nip_with_or_without_display_spaces_is_one_user_id(raw: str, canonical: str) -> None:
    assert canonical_user_id(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["admin ", " admin", "\tadmin", " 198609262015051001", "ad min", "", "   ", "admin\x00", "adm\u200bin"]
)
def test_whitespace_around_an_id_an_invisible_character_or_a_space_inside_a_non_nip_id_is_refused(raw: str) -> None:
    with pytest.raises(UserIdError):
        canonical_user_id(raw)


async def test_signing_in_with_the_display_form_of_a_nip_is_the_same_user(demo: DemoApi) -> None:
    nip = demo.uid("unit_head")
    plain = (await demo.query(WHO, as_user=nip))["viewer"]
    spaced = (await demo.query(WHO, as_user=format_nip(nip)))["viewer"]
    assert spaced == plain and spaced["userId"] == nip
    assert {"role": "unit_head", "unitCode": "KEL-GAMBIR-01"} in spaced["roles"]


async def test_a_token_for_admin_with_a_trailing_space_is_rejected_not_a_second_administrator(demo: DemoApi) -> None:
    response = await demo.post(WHO, as_user="admin ")
    assert response.status_code == 401
    assert "whitespace" in response.json()["errors"][0]["message"]
    assert (await demo.query(WHO, as_user="admin"))["viewer"]["roles"] == [{"role": "admin", "unitCode": None}]


async def test_a_grant_to_admin_with_a_trailing_space_is_refused_naming_the_field(demo: DemoApi) -> None:
    payload = await grant(demo, "admin ", "auditor")
    assert payload["grant"] is None
    (error,) = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "userId")
    assert "'admin '" in error["message"] and "whitespace" in error["message"]
    assert await events(demo, action="role.granted") == []


async def test_a_grant_to_an_unknown_user_is_refused(demo: DemoApi) -> None:
    payload = await grant(demo, "nobody.here", "bkd_verifier")
    (error,) = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "userId")
    assert "no known user" in error["message"]
    unknown_nip = await grant(demo, "1" * 18, "bkd_verifier")
    assert [e["field"] for e in unknown_nip["errors"]] == ["userId"]


async def test_a_grant_to_the_display_form_of_a_nip_is_stored_under_the_nip(demo: DemoApi) -> None:
    nip = demo.uid("employee")
    payload = await grant(demo, format_nip(nip), "unit_hr", "KEL-GAMBIR-01")
    assert payload["errors"] == [] and payload["grant"]["userId"] == nip
    assert {"role": "unit_hr", "unitCode": "KEL-GAMBIR-01"} in [
        {"role": r["role"], "unitCode": r["unitCode"]} for r in await roles_of(demo, "employee")
    ]
    revoked = await demo.ask(
        "admin", REVOKE, input={"userId": format_nip(nip), "role": "unit_hr", "unitCode": "KEL-GAMBIR-01"}
    )
    assert revoked["revokeRole"]["errors"] == [] and revoked["revokeRole"]["grant"]["revoked"] is True


async def test_an_administrator_does_not_grant_themselves_a_role_under_another_spelling(demo: DemoApi) -> None:
    await grant(demo, demo.uid("auditor"), "admin")  # the auditor is made a second administrator
    spelled = format_nip(demo.uid("auditor"))
    payload = (await demo.query(GRANT_SELF, {"input": {"userId": spelled, "role": "ppk"}}, as_user=spelled))[
        "grantRole"
    ]
    assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
