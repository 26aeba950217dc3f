"""Red-team probes of the fit shown on a request: it is file data, so a proposer who reads the request but no
longer the subject's file (the subject has moved to another unit) sees no fit, and the subject sees their own."""

from __future__ import annotations

import datetime as dt

from server.seed import TRANSFER_TARGET_POSITION
from tests.api.competency_helpers import VACANCY, trained, untrained, vacancy
from tests.api.helpers import TMT, TODAY, DemoApi, fill_position, proposed

FIT = """query($id: ID!) { request(id: $id) { id candidateFit { fit reasons } } }"""


async def placement(demo: DemoApi) -> str:
    await vacancy(demo, {"e-government": 2})
    await untrained(demo, "employee")
    await trained(demo, "employee", "e-government", 24, dt.date(2025, 3, 10))
    return await proposed(
        demo, "unit_head", "proposePlacement", employeeNip=demo.uid("employee"), positionCode=VACANCY, effectiveDate=TMT
    )


async def test_the_subject_reads_their_own_fit_and_another_units_head_reads_no_request(demo: DemoApi) -> None:
    rid = await placement(demo)
    assert (await demo.ask("employee", FIT, id=rid))["request"]["candidateFit"] is not None
    assert (await demo.ask("target_head", FIT, id=rid))["request"] is None
    assert (await demo.query(FIT, {"id": rid}))["request"] is None


async def test_a_proposer_who_no_longer_reads_the_subjects_file_sees_no_fit(demo: DemoApi) -> None:
    rid = await placement(demo)
    assert (await demo.ask("unit_head", FIT, id=rid))["request"]["candidateFit"] is not None
    await fill_position(demo.db, TRANSFER_TARGET_POSITION, demo.uid("employee"), TODAY)  # now in Gambir 02
    shown = (await demo.ask("unit_head", FIT, id=rid))["request"]
    assert shown is not None and shown["candidateFit"] is None  # the proposer still reads the request
