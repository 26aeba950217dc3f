"""setUnitPerformance through the API: BKD records a unit's own predicate for a year, and the unit's appraisers
then rate within the distribution it sets (PermenPANRB 6/2022) or give a reason to go above it."""

from __future__ import annotations

from tests.api.helpers import DemoApi, act, audit_events, codes, fields, proposed, run

UNIT = "KEL-GAMBIR-01"  # the employee persona's kelurahan; its Lurah is the unit_head persona
SET = """mutation($input: SetUnitPerformanceInput!) {
  setUnitPerformance(input: $input) { unitCode year predicate errors { code message field } } }"""
SANGAT_BAIK = {"resultRating": "above", "behaviourRating": "above"}


async def set_predicate(api: DemoApi, persona: str, **values: object) -> dict:  # type: ignore[type-arg]
    data = await api.ask(persona, SET, input={"unitCode": UNIT, "year": 2026, "predicate": "Baik", **values})
    return data["setUnitPerformance"]  # type: ignore[no-any-return]


async def test_bkd_records_a_units_predicate_and_a_correction_keeps_the_old_value_in_the_trail(demo: DemoApi) -> None:
    first = await set_predicate(demo, "bkd_official", predicate="Istimewa")
    assert first == {"unitCode": UNIT, "year": 2026, "predicate": "Istimewa", "errors": []}
    assert (await set_predicate(demo, "bkd_official", predicate="Baik"))["errors"] == []
    events = await audit_events(demo, entityType="unit", entityId=UNIT)
    assert [(e["action"], e["before"], e["after"]["predicate"]) for e in events] == [
        ("unit.performance_set", None, "Istimewa"),
        ("unit.performance_set", {"year": 2026, "predicate": "Istimewa"}, "Baik"),
    ]


async def test_only_bkd_officials_and_administrators_record_it_and_refusals_are_audited(demo: DemoApi) -> None:
    for persona in ("unit_head", "employee", "bkd_verifier"):
        refused = await set_predicate(demo, persona)
        assert codes(refused) == ["FORBIDDEN"], persona
    refusals = await audit_events(demo, action="unit.performance.refused")
    assert len(refusals) == 3


async def test_bad_input_names_the_field_and_the_value(demo: DemoApi) -> None:
    wrong = await set_predicate(demo, "bkd_official", predicate="Excellent", year=1999)
    assert sorted(fields(wrong)) == ["predicate", "year"]
    assert any("'Excellent' is not one of Istimewa, Baik" in e["message"] for e in wrong["errors"])
    unknown = await demo.ask("bkd_official", SET, input={"unitCode": "NOPE", "year": 2026, "predicate": "Baik"})
    assert (codes(unknown["setUnitPerformance"]), fields(unknown["setUnitPerformance"])) == (
        ["NOT_FOUND"],
        ["unitCode"],
    )


async def test_a_rating_above_the_distribution_needs_the_appraisers_reason(demo: DemoApi) -> None:
    assert (await set_predicate(demo, "bkd_official", predicate="Sangat Kurang"))["errors"] == []
    rid = await proposed(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=2026)
    assert await run(demo, rid, [("employee", "draft_plan"), ("unit_head", "set_plan")]) == "in_progress"
    refused = await act(demo, "unit_head", rid, "rate", data=SANGAT_BAIK)
    assert (codes(refused), fields(refused)) == (["GUARD_FAILED"], ["predicate_distribution"])
    assert f"staff of {UNIT} in 2026" in refused["errors"][0]["message"]
    reason = {**SANGAT_BAIK, "distributionReason": "saved the kelurahan's flood response"}
    rated = await act(demo, "unit_head", rid, "rate", data=reason)
    assert rated["errors"] == [] and rated["request"]["state"] == "rated"
