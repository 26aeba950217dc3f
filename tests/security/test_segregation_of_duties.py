"""Segregation of duties that cannot be sidestepped: by an implied step, by a return and resubmission, by
recording an outside answer to one's own proposal, or by signing in under a second user id."""

from __future__ import annotations

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import (
    TMT,
    DemoApi,
    act,
    codes,
    drive,
    history,
    proposed,
    run,
    state_of,
    steps_of,
)
from tests.security.sod_helpers import add_login, granted

PLACEMENT_TARGET = "KEL-GAMBIR-01-PLK2"


def rule_of(payload: dict[str, object]) -> str:
    errors = payload["errors"]
    assert isinstance(errors, list) and errors, payload
    message = str(errors[0]["message"])
    return message.rsplit("(rule ", 1)[1].rstrip(")")


async def placement(api: DemoApi) -> str:
    return await proposed(
        api,
        "unit_head",
        "proposePlacement",
        employeeNip=api.uid("employee"),
        positionCode=PLACEMENT_TARGET,
        effectiveDate=TMT,
    )


# ------------------------------------------------------------------------------------------ implied steps


async def test_a_head_above_both_units_implies_the_release_but_never_also_the_acceptance(demo: DemoApi) -> None:
    # The Camat heads KEC-GAMBIR, above both the employee's kelurahan and the target one.
    rid = await proposed(
        demo,
        "superior",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    assert await state_of(demo, rid) == "released", "one implied step (the release), not two"
    implied = [(e["actor"], e["action"]) for e in steps_of(await history(demo, rid))]
    assert implied == [(demo.uid("superior"), "request.submit"), (demo.uid("superior"), "request.release")]

    refused = await act(demo, "superior", rid, "accept")
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.proposer_approves"
    assert (await drive(demo, rid, "target_head", "accept"))["state"] == "accepted"


# ------------------------------------------------------------------------------------------ rounds


async def returned_and_resubmitted_after_a_recommendation(api: DemoApi) -> str:
    """Round 1: the board member recommends and PyB returns it; round 2 runs to a second recommendation."""
    rid = await placement(api)
    await run(api, rid, [("bkd_verifier", "verify"), ("board_member", "recommend")])
    await drive(api, rid, "pyb", "return", comment="attach the competency assessment")
    await drive(api, rid, "unit_head", "propose")
    await run(api, rid, [("bkd_verifier", "verify")])
    return rid


async def test_a_recommendation_in_an_earlier_round_still_bars_the_decision(demo: DemoApi) -> None:
    await granted(demo, demo.uid("board_member"), "pyb")  # the board member may also decide as PyB
    rid = await returned_and_resubmitted_after_a_recommendation(demo)
    # Round 2's recommendation by a second member used to overwrite the first member's record of it.
    await run(demo, rid, [("board_member_2", "recommend")])

    refused = await act(demo, "board_member", rid, "decide")
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.two_steps"
    assert "in any round" in refused["errors"][0]["message"]
    assert await state_of(demo, rid) == "recommended"
    assert (await drive(demo, rid, "pyb", "decide"))["state"] == "approved"


async def test_an_approver_repeats_their_own_step_in_a_later_round_but_takes_no_other(demo: DemoApi) -> None:
    await granted(demo, demo.uid("board_member"), "pyb")
    rid = await returned_and_resubmitted_after_a_recommendation(demo)
    assert (await drive(demo, rid, "board_member", "recommend"))["state"] == "recommended", "the same duty again"
    refused = await act(demo, "board_member", rid, "decide")
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.two_steps"


async def test_a_second_login_of_the_same_civil_servant_is_the_same_person(demo: DemoApi) -> None:
    await add_login(demo, "kepala.bkd", of="board_member")  # the board member's other account
    await granted(demo, "kepala.bkd", "pyb")
    rid = await placement(demo)
    await run(demo, rid, [("bkd_verifier", "verify"), ("board_member", "recommend")])

    refused = await act(demo, "kepala.bkd", rid, "decide")
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.two_steps"


async def test_a_second_login_of_the_proposer_is_still_the_proposer(demo: DemoApi) -> None:
    await add_login(demo, "lurah.gambir", of="unit_head")
    await granted(demo, "lurah.gambir", "bkd_verifier")
    rid = await placement(demo)
    refused = await act(demo, "lurah.gambir", rid, "verify")
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.proposer_approves"


# ------------------------------------------------------------------------------------------ outside answers


async def test_the_proposer_does_not_record_bkns_answer_to_their_own_rank_promotion(demo: DemoApi) -> None:
    await granted(demo, demo.uid("board_member_2"), "bkd_official")  # a second BKD official
    rid = await proposed(
        demo, "bkd_official", "proposeRankPromotion", employeeNip=demo.uid("employee"), effectiveDate=TMT
    )
    await run(demo, rid, [("unit_hr", "prepare_documents"), ("bkd_verifier", "verify"), ("bkd_official", "submit_bkn")])

    for answer, comment in (("MS", None), ("BTS", "SK copy unsigned"), ("TMS", "education cap reached")):
        refused = await act(demo, "bkd_official", rid, "record_bkn_answer", data={"answer": answer}, comment=comment)
        assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.proposer_records_answer", answer
    assert await state_of(demo, rid) == "at_bkn"
    recorded = await act(demo, "board_member_2", rid, "record_bkn_answer", data={"answer": "MS"})
    assert recorded["errors"] == [] and recorded["request"]["state"] == "bkn_approved"


async def test_the_proposer_does_not_record_the_receiving_provinces_answer_to_their_transfer_out(
    demo: DemoApi,
) -> None:
    await granted(demo, demo.uid("board_member_2"), "bkd_official")
    rid = await proposed(
        demo,
        "bkd_official",
        "proposeTransferOut",
        employeeNip=demo.uid("employee"),
        destination="Pemerintah Provinsi Jawa Barat",
        effectiveDate=TMT,
    )
    steps = [("unit_head", "release"), ("bkd_verifier", "verify"), ("board_member", "recommend"), ("ppk", "decide")]
    assert await run(demo, rid, steps) == "release_decided"
    answer = {"answer": "accepted"}
    refused = await act(demo, "bkd_official", rid, "record_receiving_answer", data=answer)
    assert codes(refused) == ["FORBIDDEN"] and rule_of(refused) == "sod.proposer_records_answer"
    assert (await drive(demo, rid, "board_member_2", "record_receiving_answer", data=answer))["state"] == "at_bkn"
    refused = await act(demo, "bkd_official", rid, "record_bkn_answer", data={"answer": "approved"})
    assert rule_of(refused) == "sod.proposer_records_answer"
