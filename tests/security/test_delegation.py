"""Delegation and acting officials: only administrators grant; a holder delegates only a delegable role,
only within their own unit, for a bounded period, and the delegation ends with their own grant or when they
end it; whatever is done under a delegation or a Plt/Plh grant is audited on whose behalf, in what capacity."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from server.models import RoleGrant
from server.rules import rule_by_id
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, TODAY, DemoApi, act, drive, proposed
from tests.security.sod_helpers import (
    END_DELEGATION,
    GRANT,
    REVOKE,
    add_login,
    dated,
    delegate,
    events,
    granted,
    roles_of,
)

WEEK = {"validFrom": TODAY, "validTo": TODAY + dt.timedelta(days=6)}
MAX_DAYS = rule_by_id("delegation.max_days/2021")
DEPUTY = "sekretaris.kel"  # the Lurah's secretary: a known user with no role of their own


def codes_and_fields(payload: dict[str, object]) -> list[tuple[object, object]]:
    errors = payload["errors"]
    assert isinstance(errors, list)
    return [(e["code"], e["field"]) for e in errors]


async def unit_head_roles(api: DemoApi, persona: str) -> list[str | None]:
    return [r["unitCode"] for r in await roles_of(api, persona) if r["role"] == "unit_head"]


async def with_deputy(api: DemoApi) -> str:
    """The Lurah delegates unit_head in KEL-GAMBIR-01 to the deputy for a week; the delegation's id."""
    await add_login(api, DEPUTY, name="Sekretaris Kelurahan Gambir")
    payload = await delegate(api, "unit_head", DEPUTY, "unit_head", "KEL-GAMBIR-01", **WEEK)
    assert payload["errors"] == [], payload["errors"]
    assert payload["grant"]["delegatedBy"] == api.uid("unit_head")
    return str(payload["grant"]["id"])


# ------------------------------------------------------------------------------------------ who grants


async def test_only_administrators_create_grants(demo: DemoApi) -> None:
    for persona in ("unit_head", "bkd_official", "auditor"):
        values = {"userId": demo.uid("employee"), "role": "unit_head", "unitCode": "KEL-GAMBIR-01"}
        payload = (await demo.ask(persona, GRANT, input=values))["grantRole"]
        assert codes_and_fields(payload) == [("FORBIDDEN", None)], persona
    refused = await events(demo, action="role.grant.refused")
    assert [e.actor for e in refused] == [demo.uid(p) for p in ("unit_head", "bkd_official", "auditor")]


async def test_an_administrator_cannot_grant_a_delegation_that_has_no_delegator(demo: DemoApi) -> None:
    values = dated({"userId": demo.uid("employee"), "role": "unit_head", "acting": "delegation", **WEEK})
    payload = (await demo.ask("admin", GRANT, input=values))["grantRole"]
    assert codes_and_fields(payload) == [("VALIDATION", "acting")]


# ------------------------------------------------------------------------------------------ what may be delegated


async def test_auditor_admin_and_employee_roles_are_not_delegable(demo: DemoApi) -> None:
    await add_login(demo, DEPUTY)
    for persona, role, unit in (("auditor", "auditor", None), ("admin", "admin", None), ("employee", "employee", None)):
        payload = await delegate(demo, persona, DEPUTY, role, unit, **WEEK)
        assert codes_and_fields(payload) == [("FORBIDDEN", None)], role
        assert "does not let" in payload["errors"][0]["message"]
    assert await roles_of(demo, DEPUTY) == []


async def test_a_holder_delegates_only_within_their_own_unit(demo: DemoApi) -> None:
    await add_login(demo, DEPUTY)
    for unit in ("KEL-GAMBIR-02", "KEC-GAMBIR", None):  # a sibling unit, the parent, the whole province
        payload = await delegate(demo, "unit_head", DEPUTY, "unit_head", unit, **WEEK)
        assert codes_and_fields(payload) == [("FORBIDDEN", None)], unit
    other_role = await delegate(demo, "unit_head", DEPUTY, "bkd_verifier", None, **WEEK)
    assert codes_and_fields(other_role) == [("FORBIDDEN", None)]
    assert await roles_of(demo, DEPUTY) == []


async def test_a_delegation_lasts_at_most_the_configured_days(demo: DemoApi) -> None:
    await add_login(demo, DEPUTY)
    for days in (91, 365 * 50):  # one day too many; "a delegation that never ends"
        too_long = await delegate(
            demo, "unit_head", DEPUTY, "unit_head", "KEL-GAMBIR-01", validFrom=TODAY, validTo=TODAY + dt.timedelta(days)
        )
        assert codes_and_fields(too_long) == [("VALIDATION", "validTo")]
        assert "at most 90 days;" in too_long["errors"][0]["message"]
        assert too_long["errors"][0]["message"].endswith(f"(rule delegation.max_days/2021, {MAX_DAYS.legal_basis})")
    backdated = await delegate(
        demo, "unit_head", DEPUTY, "unit_head", "KEL-GAMBIR-01", validFrom=TODAY - dt.timedelta(days=30), validTo=TODAY
    )
    assert codes_and_fields(backdated) == [("VALIDATION", "validFrom")]
    longest = await delegate(
        demo, "unit_head", DEPUTY, "unit_head", "KEL-GAMBIR-01", validFrom=TODAY, validTo=TODAY + dt.timedelta(89)
    )
    assert longest["errors"] == []


async def test_a_delegate_does_not_delegate_further(demo: DemoApi) -> None:
    await with_deputy(demo)
    await add_login(demo, "staf.kel")
    payload = await delegate(demo, DEPUTY, "staf.kel", "unit_head", "KEL-GAMBIR-01", **WEEK)
    assert codes_and_fields(payload) == [("FORBIDDEN", None)]


async def test_a_delegation_goes_only_to_a_known_user_other_than_the_delegator(demo: DemoApi) -> None:
    unknown = await delegate(demo, "unit_head", "nobody.here", "unit_head", "KEL-GAMBIR-01", **WEEK)
    assert codes_and_fields(unknown) == [("VALIDATION", "toUserId")]
    spaced = await delegate(demo, "unit_head", "nobody.here ", "unit_head", "KEL-GAMBIR-01", **WEEK)
    assert codes_and_fields(spaced) == [("VALIDATION", "toUserId")]
    themselves = await delegate(demo, "unit_head", "unit_head", "unit_head", "KEL-GAMBIR-01", **WEEK)
    assert codes_and_fields(themselves) == [("VALIDATION", "toUserId")]


# ------------------------------------------------------------------------------------------ how it ends


async def test_revoking_the_delegators_grant_ends_the_delegation_at_once(demo: DemoApi) -> None:
    delegation = await with_deputy(demo)
    assert await unit_head_roles(demo, DEPUTY) == ["KEL-GAMBIR-01"]
    values = {"userId": demo.uid("unit_head"), "role": "unit_head", "unitCode": "KEL-GAMBIR-01"}
    assert (await demo.ask("admin", REVOKE, input=values))["revokeRole"]["errors"] == []
    assert await unit_head_roles(demo, DEPUTY) == []
    revoked = await events(demo, action="role.revoked", entity_id=delegation)
    assert len(revoked) == 1 and revoked[0].after is not None and revoked[0].after["revokedAt"] is not None


async def test_the_delegation_ends_when_the_delegators_own_grant_ends(demo: DemoApi) -> None:
    delegation = await with_deputy(demo)
    async with demo.db.write() as s:  # the Lurah's grant ends yesterday (moved to another post)
        source = (await s.get(RoleGrant, int(delegation))).delegated_from  # type: ignore[union-attr]
        await s.execute(update(RoleGrant).where(RoleGrant.id == source).values(valid_to=TODAY - dt.timedelta(1)))
    assert await unit_head_roles(demo, DEPUTY) == []


async def test_the_delegator_ends_the_delegation_early_and_nobody_else_but_an_administrator(demo: DemoApi) -> None:
    delegation = await with_deputy(demo)
    for persona in (DEPUTY, "target_head"):
        payload = (await demo.ask(persona, END_DELEGATION, input={"grantId": delegation}))["endDelegation"]
        assert codes_and_fields(payload) == [("FORBIDDEN", None)], persona
    assert await unit_head_roles(demo, DEPUTY) == ["KEL-GAMBIR-01"]

    ended = (await demo.ask("unit_head", END_DELEGATION, input={"grantId": delegation}))["endDelegation"]
    assert ended["errors"] == [] and ended["grant"]["revoked"] is True
    assert await unit_head_roles(demo, DEPUTY) == []
    (event,) = await events(demo, action="role.delegation_ended")
    assert (event.actor, event.entity_id) == (demo.uid("unit_head"), delegation)

    second = await delegate(demo, "unit_head", DEPUTY, "unit_head", "KEL-GAMBIR-01", **WEEK)
    by_admin = (await demo.ask("admin", END_DELEGATION, input={"grantId": second["grant"]["id"]}))["endDelegation"]
    assert by_admin["errors"] == []


# ------------------------------------------------------------------------------------------ the audit


async def test_an_act_under_a_delegation_is_audited_on_behalf_of_the_delegator(demo: DemoApi) -> None:
    delegation = await with_deputy(demo)
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (await act(demo, DEPUTY, rid, "release"))["errors"] == []
    (event,) = await events(demo, action="request.release", request_id=int(rid))
    assert (event.actor, event.on_behalf_of) == (DEPUTY, demo.uid("unit_head"))
    assert event.after is not None and event.after["acting"] == {
        "kind": "delegation",
        "role": "unit_head",
        "unitCode": "KEL-GAMBIR-01",
        "grantId": int(delegation),
        "delegatedBy": demo.uid("unit_head"),
    }


async def test_a_proposal_under_a_delegation_is_audited_on_behalf_of_the_delegator(demo: DemoApi) -> None:
    await with_deputy(demo)
    rid = await proposed(
        demo,
        DEPUTY,
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
    )
    (event,) = await events(demo, action="request.propose", request_id=int(rid))
    assert (event.actor, event.on_behalf_of) == (DEPUTY, demo.uid("unit_head"))
    assert event.after is not None and event.after["acting"]["kind"] == "delegation"


async def test_an_act_by_a_plt_is_audited_with_the_office_and_the_capacity(demo: DemoApi) -> None:
    await add_login(demo, "plt.lurah")
    await granted(demo, "plt.lurah", "unit_head", "KEL-GAMBIR-02", validTo=TODAY + dt.timedelta(30), acting="plt")
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    await drive(demo, rid, "unit_head", "release")
    assert (await act(demo, "plt.lurah", rid, "accept"))["errors"] == []
    (event,) = await events(demo, action="request.accept", request_id=int(rid))
    assert (event.actor, event.on_behalf_of) == ("plt.lurah", "unit_head@KEL-GAMBIR-02")
    assert event.after is not None and event.after["acting"]["kind"] == "plt"
    release = (await events(demo, action="request.release", request_id=int(rid)))[0]
    assert release.on_behalf_of is None and "acting" not in (release.after or {}), "the Lurah acts in their own right"


# ------------------------------------------------------------------------------------------ no way round SoD


async def test_a_delegate_does_not_take_the_step_their_delegator_may_not(demo: DemoApi) -> None:
    # The Camat (above both kelurahan) delegates to a deputy, then proposes the transfer: the release is
    # implied; the deputy accepting on the Camat's behalf would give the Camat both steps.
    await add_login(demo, DEPUTY)
    payload = await delegate(demo, "superior", DEPUTY, "unit_head", "KEC-GAMBIR", **WEEK)
    assert payload["errors"] == []
    rid = await proposed(
        demo,
        "superior",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    refused = await act(demo, DEPUTY, rid, "accept")
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    message = refused["errors"][0]["message"]
    assert f"as {demo.uid('superior')}'s delegate" in message and message.endswith("(rule sod.proposer_approves)")
    assert (await drive(demo, rid, "target_head", "accept"))["state"] == "accepted"


async def test_a_step_taken_by_a_delegate_counts_as_the_delegators_approval(demo: DemoApi) -> None:
    await with_deputy(demo)
    await granted(demo, demo.uid("unit_head"), "bkd_verifier")  # the Lurah also verifies for BKD
    rid = await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert (await act(demo, DEPUTY, rid, "release"))["errors"] == []  # on the Lurah's behalf
    await drive(demo, rid, "target_head", "accept")
    refused = await act(demo, "unit_head", rid, "verify")
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert refused["errors"][0]["message"].endswith("(rule sod.two_steps)")
