"""Final is final: a year with a final predicate is not evaluated again; BKD corrects it through an audited,
four-eyes correction with a reason (``evaluation_correction``), as the demo personas.

The probe: ``startEvaluation`` for a year already final (the seed's 2025 Baik) ran a new evaluation that
overwrote "Baik" with "Sangat Kurang".
"""

from __future__ import annotations

from typing import Any

from tests.api.helpers import (
    PAYLOAD,
    DemoApi,
    act,
    codes,
    drive,
    employee,
    fields,
    grant_role,
    history,
    option,
    propose,
    request,
    state_of,
)

FINAL_YEAR = 2025  # the seed gives the employee persona a final Baik for 2025
CORRECT = f"mutation($input: CorrectEvaluationInput!) {{ correctEvaluation(input: $input) {{ {PAYLOAD} }} }}"
REASON = "the 2025 ratings were entered for another employee (inspectorate finding LHP-12/2026)"


async def predicate(api: DemoApi, year: int) -> str | None:
    found = [e["predicate"] for e in (await employee(api, api.uid("employee")))["evaluations"] if e["year"] == year]
    return found[0] if found else None


async def propose_correction(api: DemoApi, persona: str = "bkd_official", **values: Any) -> dict[str, Any]:
    data = {
        "employeeNip": api.uid("employee"),
        "year": FINAL_YEAR,
        "resultRating": "below",
        "behaviourRating": "as",
        "reason": REASON,
        **values,
    }
    return (await api.ask(persona, CORRECT, input=data))["correctEvaluation"]  # type: ignore[no-any-return]


async def test_starting_the_evaluation_of_a_final_year_is_refused_naming_the_year_and_the_predicate(
    demo: DemoApi,
) -> None:
    assert await predicate(demo, FINAL_YEAR) == "Baik"
    payload = await propose(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=FINAL_YEAR)
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["year"])
    message = payload["errors"][0]["message"]
    assert "2025 evaluation is final (Baik) and is not evaluated again" in message
    assert "correctEvaluation" in message
    assert payload["request"] is None
    assert await predicate(demo, FINAL_YEAR) == "Baik"


async def test_a_correction_applies_only_when_a_second_bkd_official_confirms_it_audited_before_and_after(
    demo: DemoApi,
) -> None:
    proposed = await propose_correction(demo)
    assert proposed["errors"] == []
    rid = proposed["request"]["id"]
    assert (proposed["request"]["kind"], proposed["request"]["state"]) == ("EVALUATION_CORRECTION", "proposed")
    assert await predicate(demo, FINAL_YEAR) == "Baik", "a proposed correction changes nothing yet"

    # The proposer does not confirm their own correction.
    own = await act(demo, "bkd_official", rid, "correct")
    assert codes(own) == ["FORBIDDEN"]
    assert await state_of(demo, rid) == "proposed"

    await grant_role(demo, "bkd_verifier", "bkd_official")
    # Confirming takes the proposed ratings as they are: step data cannot change them.
    tampered = await act(
        demo, "bkd_verifier", rid, "correct", data={"resultRating": "above", "behaviourRating": "above"}
    )
    assert codes(tampered) == ["VALIDATION", "VALIDATION"]
    assert await state_of(demo, rid) == "proposed"
    done = await drive(demo, rid, "bkd_verifier", "correct")
    assert (done["state"], done["terminal"]) == ("corrected", True)
    assert await predicate(demo, FINAL_YEAR) == "Butuh Perbaikan"

    corrected = [e for e in await history(demo, rid) if e["action"] == "evaluation.corrected"]
    assert len(corrected) == 1
    event = corrected[0]
    assert event["actor"] == demo.uid("bkd_verifier")
    assert event["entityId"] == demo.uid("employee")
    assert event["before"] == {"year": FINAL_YEAR, "predicate": "Baik"}
    assert event["after"]["predicate"] == "Butuh Perbaikan" and event["after"]["reason"] == REASON
    proposal = next(e for e in await history(demo, rid) if e["action"] == "request.propose_correction")
    assert proposal["comment"] == REASON


async def test_one_correction_at_a_time(demo: DemoApi) -> None:
    first = await propose_correction(demo)
    second = await propose_correction(demo, resultRating="above")
    assert (codes(second), fields(second)) == (["VALIDATION"], ["employeeNip"])
    assert first["request"]["id"]
    assert "already has an unfinished evaluation correction" in second["errors"][0]["message"]


async def test_a_correction_needs_a_reason(demo: DemoApi) -> None:
    payload = await propose_correction(demo, reason="   ")
    assert (codes(payload), fields(payload)) == (["VALIDATION"], ["reason"])


async def test_only_bkd_officials_correct_a_final_evaluation(demo: DemoApi) -> None:
    for persona in ("unit_head", "superior", "unit_hr", "bkd_verifier"):
        payload = await propose_correction(demo, persona)
        assert codes(payload) == ["FORBIDDEN"], persona
    assert await predicate(demo, FINAL_YEAR) == "Baik"


async def test_a_year_without_a_final_predicate_is_evaluated_not_corrected(demo: DemoApi) -> None:
    payload = await propose_correction(demo, year=2026)
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["final_evaluation_exists"])
    assert (
        "has no final 2026 evaluation to correct; start the 2026 evaluation instead" in payload["errors"][0]["message"]
    )


async def test_corrected_ratings_must_be_in_the_matrix(demo: DemoApi) -> None:
    payload = await propose_correction(demo, resultRating="excellent")
    assert (codes(payload), fields(payload)) == (["GUARD_FAILED"], ["ratings_in_matrix"])


async def test_a_rejected_correction_leaves_the_predicate_as_it_was(demo: DemoApi) -> None:
    rid = (await propose_correction(demo))["request"]["id"]
    await grant_role(demo, "bkd_verifier", "bkd_official")
    pending = await request(demo, "bkd_verifier", rid)
    assert pending is not None and option(pending, "reject")["allowed"]
    rejected = await act(demo, "bkd_verifier", rid, "reject", comment="the ratings were right; the finding is wrong")
    assert rejected["request"]["state"] == "rejected"
    assert await predicate(demo, FINAL_YEAR) == "Baik"
