"""Red-team probes of the bulk decisions: a request the caller may not see looks exactly like a missing one
whatever else the item gets wrong, one request twice in a batch is one decision, and a monthly run repeated
proposes nobody twice nor anybody outside the caller's units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.helpers import TODAY, DemoApi, audit_events, request, state_of
from tests.api.test_bulk import act_many, ids_of, propose_many, unit_of_request
from tests.api.test_deadlines import submit
from tests.security.sod_helpers import END_DELEGATION, add_login, delegate

MISSING = "999999"


async def outside_request(demo: DemoApi) -> str:
    """A rank-promotion request BKD proposed for someone outside Kecamatan Gambir (unit HR cannot see it)."""
    rids = ids_of(await propose_many(demo, "bkd_official", first=40))
    units = {rid: await unit_of_request(demo, rid) for rid in rids}
    return min((rid for rid, unit in units.items() if not unit.endswith("GAMBIR")), key=int)


def masked(result: dict[str, Any], rid: str) -> list[tuple[str, str, str]]:
    return [(e["code"], e["message"].replace(rid, "N"), e["field"]) for e in result["errors"]]


async def test_an_outsiders_item_is_not_found_whatever_else_it_gets_wrong(demo: DemoApi) -> None:
    outside = await outside_request(demo)
    wrong = [
        {"action": "prepare_documents", "expectedVersion": 99},  # a stale version would say CONFLICT
        {"action": "prepare_documents", "data": {"nonsense": [1, 2]}},  # bad data would say VALIDATION
        {"action": "no_such_action"},  # an unknown action would name the request's actions
        {"action": "verify"},  # a step not theirs would say FORBIDDEN
        {"action": "prepare_documents", "idempotencyKey": "probe-1"},
    ]
    for item in wrong:
        hidden, missing = (
            await act_many(demo, "unit_hr", [{"requestId": outside, **item}, {"requestId": MISSING, **item}])
        )["results"]
        assert hidden["request"] is None and missing["request"] is None
        assert (
            masked(hidden, outside)
            == masked(missing, MISSING)
            == [("NOT_FOUND", "request N does not exist", "requestId")]
        ), item
    assert await state_of(demo, outside) == "proposed"


async def test_one_request_twice_in_a_batch_is_decided_once(demo: DemoApi) -> None:
    (rid,) = ids_of(await propose_many(demo, "unit_hr", first=1))
    item = {"requestId": rid, "action": "prepare_documents"}
    first, second = (await act_many(demo, "unit_hr", [item, item]))["results"]
    assert (first["request"]["state"], first["errors"]) == ("documents_ready", [])
    assert second["errors"] != [] and second["errors"][0]["code"] in {"FORBIDDEN", "CONFLICT", "VALIDATION"}
    assert len(await audit_events(demo, action="request.prepare_documents", requestId=rid)) == 1


async def test_one_idempotency_key_on_two_different_items_applies_the_first_only(demo: DemoApi) -> None:
    a, b = ids_of(await propose_many(demo, "unit_hr", first=2))
    items = [{"requestId": r, "action": "prepare_documents", "idempotencyKey": "same"} for r in (a, b)]
    first, second = (await act_many(demo, "unit_hr", items))["results"]
    assert first["errors"] == [] and [e["code"] for e in second["errors"]] == ["IDEMPOTENCY_MISMATCH"]
    assert (await state_of(demo, a), await state_of(demo, b)) == ("documents_ready", "proposed")


async def test_a_monthly_run_repeated_proposes_nobody_twice(demo: DemoApi) -> None:
    first = await propose_many(demo, "unit_hr", first=200)
    assert first["errors"] == [] and first["hasMore"] is False and first["results"]
    proposed_before = len(await audit_events(demo, action="request.propose"))
    again = await propose_many(demo, "unit_hr", first=200)
    assert (again["errors"], again["results"]) == ([], [])
    assert len(await audit_events(demo, action="request.propose")) == proposed_before


async def test_unit_hr_naming_another_district_proposes_nobody_there(demo: DemoApi) -> None:
    run = await propose_many(demo, "unit_hr", unitCode="KEC-PENJARINGAN", first=200)
    assert (run["results"], run["errors"]) == ([], [])  # the list is scoped: another district is empty
    assert await audit_events(demo, action="request.propose") == []
    assert (await propose_many(demo, "bkd_official", unitCode="KEC-PENJARINGAN", first=1))["results"]  # people there


async def test_exactly_200_items_are_taken_each_answered(demo: DemoApi) -> None:
    items = [{"requestId": f"x{i}", "action": "prepare_documents"} for i in range(200)]
    answered = await act_many(demo, "unit_hr", items)
    assert answered["errors"] == [] and len(answered["results"]) == 200
    assert answered["results"][199]["errors"][0]["field"] == "items[199].requestId"


async def test_a_deputy_whose_delegation_ended_acts_in_bulk_on_nothing_and_learns_nothing(demo: DemoApi) -> None:
    await add_login(demo, "sekretaris.kel2", name="Sekretaris Kelurahan Gambir 02")
    window = {"validFrom": TODAY, "validTo": TODAY + dt.timedelta(days=6)}
    given = await delegate(demo, "target_head", "sekretaris.kel2", "unit_head", "KEL-GAMBIR-02", **window)
    assert given["errors"] == [], given["errors"]
    rid = await submit(demo)  # the employee's transfer: the Lurah of Gambir 02's acceptance is open
    assert await request(demo, "sekretaris.kel2", rid) is not None  # the deputy's while the delegation runs
    ended = (await demo.ask("target_head", END_DELEGATION, input={"grantId": given["grant"]["id"]}))["endDelegation"]
    assert ended["errors"] == []
    items = [{"requestId": rid, "action": "accept"}, {"requestId": MISSING, "action": "accept"}]
    hidden, missing = (await act_many(demo, "sekretaris.kel2", items))["results"]
    assert masked(hidden, rid) == masked(missing, MISSING) == [("NOT_FOUND", "request N does not exist", "requestId")]
    assert await state_of(demo, rid) == "released"
