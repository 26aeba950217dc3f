"""Bulk decisions through the API: ``proposeRankPromotions`` proposes a period's eligibility list person by
person, ``actMany`` takes up to 200 steps; each item is its own audited command, answered in order, and one
refused item leaves the others applied."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import TMT, DemoApi, audit_events, proposed, state_of

RESULT = "request { id state subject { nip } } errors { code message field }"
PROPOSE_MANY = f"""mutation($input: ProposeRankPromotionsInput!) {{ proposeRankPromotions(input: $input) {{
  results {{ employeeNip {RESULT} }} hasMore endCursor errors {{ code message field }}
}} }}"""
ACT_MANY = f"""mutation($input: ActManyInput!) {{ actMany(input: $input) {{
  results {{ {RESULT} }} errors {{ code message field }}
}} }}"""


async def propose_many(api: DemoApi, persona: str, **values: Any) -> dict[str, Any]:
    data = await api.ask(persona, PROPOSE_MANY, input={"period": TMT.isoformat(), **values})
    return data["proposeRankPromotions"]  # type: ignore[no-any-return]


async def act_many(api: DemoApi, persona: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    data = await api.ask(persona, ACT_MANY, input={"items": items})
    return data["actMany"]  # type: ignore[no-any-return]


def ids_of(payload: dict[str, Any]) -> list[str]:
    assert all(r["errors"] == [] for r in payload["results"]), payload["results"]
    return [r["request"]["id"] for r in payload["results"]]


# ---------------------------------------------------------------------------------------- proposeRankPromotions


async def test_bkd_proposes_the_periods_list_in_nip_order_and_the_next_call_goes_on_after_the_last(
    demo: DemoApi,
) -> None:
    first = await propose_many(demo, "bkd_official", first=3)
    assert first["errors"] == [] and len(first["results"]) == 3 and first["hasMore"] is True
    nips = [r["employeeNip"] for r in first["results"]]
    assert nips == sorted(nips) and first["endCursor"] == nips[-1]
    assert [(r["request"]["state"], r["request"]["subject"]["nip"]) for r in first["results"]] == [
        ("proposed", nip) for nip in nips
    ]
    following = await propose_many(demo, "bkd_official", first=2, after=first["endCursor"])
    assert all(r["employeeNip"] > nips[-1] for r in following["results"])
    # the people proposed have an unfinished request now: a new run from the start skips them
    again = await propose_many(demo, "bkd_official", first=3)
    assert not {r["employeeNip"] for r in again["results"]} & set(nips)
    events = await audit_events(demo, action="request.propose")
    assert {e["requestId"] for e in events} >= {r["request"]["id"] for r in first["results"]}


async def test_unit_hr_proposes_only_people_in_their_units_and_someone_already_proposed_is_not_listed(
    demo: DemoApi,
) -> None:
    await proposed(demo, "unit_hr", "proposeRankPromotion", employeeNip=demo.uid("employee"), effectiveDate=TMT)
    done = await propose_many(demo, "unit_hr", first=200)
    assert done["errors"] == [] and done["hasMore"] is False
    assert demo.uid("employee") not in {r["employeeNip"] for r in done["results"]}
    for result in done["results"]:
        assert result["errors"] == [], result
        unit = (await demo.ask("auditor", UNIT_OF, nip=result["employeeNip"]))["employee"]["unit"]["code"]
        assert "GAMBIR" in unit, (result["employeeNip"], unit)


UNIT_OF = "query($nip: String!) { employee(nip: $nip) { unit { code } } }"


async def test_a_unit_head_or_an_anonymous_client_running_the_bulk_proposal_is_refused_and_audited(
    demo: DemoApi,
) -> None:
    for persona in ("unit_head", "employee"):
        refused = await propose_many(demo, persona)
        assert refused["results"] == []
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    anonymous = await demo.query(PROPOSE_MANY, {"input": {"period": TMT.isoformat()}})
    assert [e["code"] for e in anonymous["proposeRankPromotions"]["errors"]] == ["FORBIDDEN"]
    events = await audit_events(demo, entityType="rank_promotion_period")
    assert [(e["actor"], e["action"]) for e in events] == [
        (demo.uid("unit_head"), "request.refused"),
        (demo.uid("employee"), "request.refused"),
        ("anonymous", "request.refused"),
    ]
    assert await audit_events(demo, action="request.propose") == []


async def test_a_date_that_is_no_period_and_an_unknown_unit_are_refused_naming_the_field(demo: DemoApi) -> None:
    not_first = await propose_many(demo, "bkd_official", period=TMT.replace(day=15).isoformat())
    assert [(e["code"], e["field"]) for e in not_first["errors"]] == [("VALIDATION", "period")]
    unknown = await propose_many(demo, "bkd_official", unitCode="NO-SUCH")
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("VALIDATION", "unitCode")]
    assert "'NO-SUCH'" in unknown["errors"][0]["message"]
    too_many = await propose_many(demo, "bkd_official", first=201)
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [("VALIDATION", "first")]
    assert "201" in too_many["errors"][0]["message"]


# ---------------------------------------------------------------------------------------------- actMany


async def test_act_many_applies_each_item_on_its_own_and_refuses_an_outsiders_item_like_a_missing_one(
    demo: DemoApi,
) -> None:
    gambir = ids_of(await propose_many(demo, "unit_hr", first=2))
    elsewhere = [
        r["request"]["id"]
        for r in (await propose_many(demo, "bkd_official", first=200))["results"]
        if r["errors"] == [] and r["request"] is not None
    ]
    units = {rid: await unit_of_request(demo, rid) for rid in elsewhere}
    outside = min((rid for rid, unit in units.items() if "GAMBIR" not in unit), key=int)
    missing = "999999"
    items = [
        {"requestId": gambir[0], "action": "prepare_documents"},
        {"requestId": outside, "action": "prepare_documents"},
        {"requestId": missing, "action": "prepare_documents"},
        {"requestId": gambir[0], "action": "verify"},  # not the unit HR's step: refused, nothing else touched
        {"requestId": "not-an-id", "action": "prepare_documents"},
        {"requestId": gambir[1], "action": "prepare_documents"},
    ]
    results = (await act_many(demo, "unit_hr", items))["results"]
    assert [r["request"]["state"] if r["request"] else None for r in results] == [
        "documents_ready",
        None,
        None,
        "documents_ready",
        None,
        "documents_ready",
    ]
    assert [[e["code"] for e in r["errors"]] for r in results] == [
        [],
        ["NOT_FOUND"],
        ["NOT_FOUND"],
        ["FORBIDDEN"],
        ["VALIDATION"],
        [],
    ]
    assert results[1]["errors"][0]["message"] == f"request {outside} does not exist"
    assert results[2]["errors"][0]["message"] == f"request {missing} does not exist"
    assert results[1]["errors"][0]["field"] == results[2]["errors"][0]["field"] == "requestId"
    assert results[4]["errors"][0]["field"] == "items[4].requestId"
    assert await state_of(demo, outside) == "proposed"
    refusals = await audit_events(demo, action="request.refused", entityId=outside)
    assert [e["after"]["reason"] for e in refusals] == ["outside the viewer's scope"]


UNIT_OF_REQUEST = "query($id: ID!) { request(id: $id) { subject { unit { code } } } }"


async def unit_of_request(api: DemoApi, rid: str) -> str:
    found = (await api.ask("auditor", UNIT_OF_REQUEST, id=rid))["request"]
    return str(found["subject"]["unit"]["code"])


async def test_the_verifier_verifies_a_batch_in_the_order_given_and_a_replayed_batch_applies_nothing_twice(
    demo: DemoApi,
) -> None:
    rids = ids_of(await propose_many(demo, "unit_hr", first=3))
    ready = await act_many(demo, "unit_hr", [{"requestId": r, "action": "prepare_documents"} for r in rids])
    assert all(r["errors"] == [] for r in ready["results"])
    items = [{"requestId": r, "action": "verify", "idempotencyKey": f"verify-{r}"} for r in reversed(rids)]
    first = await act_many(demo, "bkd_verifier", items)
    assert [r["request"]["id"] for r in first["results"]] == list(reversed(rids))
    assert [r["request"]["state"] for r in first["results"]] == ["verified"] * 3
    replay = await act_many(demo, "bkd_verifier", items)
    assert [(r["request"]["id"], r["errors"]) for r in replay["results"]] == [(r, []) for r in reversed(rids)]
    for rid in rids:
        assert len(await audit_events(demo, action="request.verify", requestId=rid)) == 1


async def test_201_items_are_refused_whole_naming_the_field_and_nothing_is_applied(demo: DemoApi) -> None:
    rids = ids_of(await propose_many(demo, "unit_hr", first=1))
    items = [{"requestId": rids[0], "action": "prepare_documents"}] * 201
    refused = await act_many(demo, "unit_hr", items)
    assert refused["results"] == []
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("VALIDATION", "items")]
    assert "201" in refused["errors"][0]["message"] and "200" in refused["errors"][0]["message"]
    assert await state_of(demo, rids[0]) == "proposed"
