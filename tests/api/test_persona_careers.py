"""The demo personas' careers say what their NIPs say: posts from the first appointment (the TMT in digits
9-14) to today, without a gap, so the experience guards count the years the NIP promises."""

from __future__ import annotations

import datetime as dt
import itertools

from server.domain import nip as nips
from server.seed import PERSONAS
from tests.api.helpers import TMT, DemoApi, act, add_position, employee, propose
from tests.api.talent_helpers import assess


async def test_every_personas_posts_run_from_the_appointment_in_their_nip_to_today(demo: DemoApi) -> None:
    for handle in PERSONAS:
        nip = demo.uid(handle.key)
        if handle.user_id is not None or nip == handle.key:
            continue  # the Governor and the administrator have no civil-servant record
        posts = sorted((await employee(demo, nip))["assignments"], key=lambda a: a["startDate"])
        assert posts[0]["startDate"] == nips.parse(nip).first_appointment.isoformat(), handle.key
        for earlier, later in itertools.pairwise(posts):
            day_after = dt.date.fromisoformat(earlier["endDate"]) + dt.timedelta(days=1)
            assert day_after.isoformat() == later["startDate"], handle.key
        assert posts[-1]["endDate"] is None, handle.key


async def test_the_district_heads_experience_counts_from_his_appointment_not_his_current_post(demo: DemoApi) -> None:
    """A senior executive post needs 5 years' experience: the Camat of Gambir has it (appointed years ago),
    where before his history began with his current post and read under 3 years."""
    nip = demo.uid("superior")
    years = (TMT - nips.parse(nip).first_appointment).days / 365.25
    assert years > 5
    await add_position(demo.db, "KEC-GAMBIR-JPT", unit_code="KEC-GAMBIR", type="JPT_PRATAMA", job_class=14)
    await assess(demo, nip, "high")  # into the talent pool
    payload = await propose(
        demo,
        "bkd_official",
        "proposePositionPromotion",
        employeeNip=nip,
        positionCode="KEC-GAMBIR-JPT",
        effectiveDate=TMT,
        talentBox=8,
    )
    assert payload["errors"] == [], payload["errors"]
    verified = await act(demo, "bkd_verifier", payload["request"]["id"], "verify")
    messages = " ".join(e["message"] for e in verified["errors"])
    assert "years' experience" not in messages, messages
