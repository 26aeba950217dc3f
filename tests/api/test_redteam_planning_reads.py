"""Red-team probes of the planning reads (workload, candidates, training needs, talent pool) as a delegate:
what the Lurah's deputy sees of Kelurahan Gambir 01 under a week's delegation, and that none of it is left
once the delegation has ended, has run out, or has not begun; and what the subject of a request reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.competency_helpers import CANDIDATES, VACANCY, vacancy
from tests.api.helpers import TODAY, DemoApi
from tests.api.talent_helpers import TALENT_POOL, assess
from tests.api.test_training_needs import PLAN, SHORTFALL
from tests.api.test_workforce_needs import NEEDS
from tests.security.sod_helpers import END_DELEGATION, add_login, delegate

UNIT = "KEL-GAMBIR-01"
DEPUTY = "sekretaris.kel"
WEEK = {"validFrom": TODAY, "validTo": TODAY + dt.timedelta(days=6)}


async def seen(api: DemoApi, persona: str) -> dict[str, Any]:
    """What ``persona`` reads of the unit's planning: positions, candidates, people short of training, plans, pool."""
    needs = (await api.ask(persona, NEEDS, unit=UNIT))["workforceNeeds"]
    found = (await api.ask(persona, CANDIDATES, code=VACANCY, first=100))["vacancyCandidates"]
    short = (await api.ask(persona, SHORTFALL, year=2026, unit=UNIT))["trainingShortfall"]
    plan = (await api.ask(persona, PLAN, year=2026, unit=UNIT, first=100))["trainingPlan"]
    pool = (await api.ask(persona, TALENT_POOL, year=2025, unitCode=UNIT, first=100))["talentPool"]
    return {
        "workforceNeeds": len(needs),
        "vacancyCandidates": len(found["edges"]),
        "trainingShortfall": len(short["edges"]),
        "trainingPlan": len(plan["edges"]),
        "talentPool": len(pool["edges"]),
    }


NOTHING = dict.fromkeys(("workforceNeeds", "vacancyCandidates", "trainingShortfall", "trainingPlan", "talentPool"), 0)


async def deputy(api: DemoApi, **dates: Any) -> str:
    """The Lurah of Gambir 01 delegates unit_head to a deputy with no role of their own; the delegation's id."""
    await vacancy(api, {"e-government": 1})
    await assess(api, api.uid("employee"), "high")
    await add_login(api, DEPUTY, name="Sekretaris Kelurahan Gambir")
    payload = await delegate(api, "unit_head", DEPUTY, "unit_head", UNIT, **(dates or WEEK))
    assert payload["errors"] == [], payload["errors"]
    return str(payload["grant"]["id"])


async def test_a_deputy_reads_the_units_planning_while_the_delegation_runs(demo: DemoApi) -> None:
    await deputy(demo)
    assert all(n > 0 for n in (await seen(demo, DEPUTY)).values())


async def test_an_ended_delegation_leaves_the_deputy_nothing_of_the_units_planning(demo: DemoApi) -> None:
    delegation = await deputy(demo)
    ended = (await demo.ask("unit_head", END_DELEGATION, input={"grantId": delegation}))["endDelegation"]
    assert ended["errors"] == []
    assert await seen(demo, DEPUTY) == NOTHING


async def test_a_delegation_run_out_leaves_nothing_the_day_after_its_last_day(demo: DemoApi) -> None:
    await deputy(demo)
    async with demo.on(TODAY + dt.timedelta(days=6)) as last_day:
        assert (await seen(last_day, DEPUTY))["talentPool"] > 0
    async with demo.on(TODAY + dt.timedelta(days=7)) as after:
        assert await seen(after, DEPUTY) == NOTHING


async def test_a_delegation_that_has_not_begun_gives_nothing_yet(demo: DemoApi) -> None:
    await deputy(demo, validFrom=TODAY + dt.timedelta(days=1), validTo=TODAY + dt.timedelta(days=3))
    assert await seen(demo, DEPUTY) == NOTHING


async def test_an_employee_reads_only_themselves_of_their_units_planning(demo: DemoApi) -> None:
    await deputy(demo)
    mine = await seen(demo, "employee")
    assert mine["workforceNeeds"] == mine["vacancyCandidates"] == 0
    assert mine["talentPool"] == 1 and mine["trainingPlan"] <= 1 and mine["trainingShortfall"] <= 1


COUNTS = {  # trainingPlan answers totalCount -1 for everyone (not counted): nothing to leak there
    "trainingShortfall": 'query { trainingShortfall(year: 2026, unitCode: "KEL-GAMBIR-01") { totalCount } }',
    "vacancyCandidates": f'query {{ vacancyCandidates(positionCode: "{VACANCY}") {{ totalCount }} }}',
    "talentPool": 'query { talentPool(year: 2025, unitCode: "KEL-GAMBIR-01") { totalCount } }',
}


async def test_a_total_count_counts_only_whom_the_viewer_may_read(demo: DemoApi) -> None:
    await deputy(demo)
    for field, query in COUNTS.items():
        assert (await demo.ask("unit_head", query))[field]["totalCount"] > 1, field
        assert (await demo.ask("target_head", query))[field]["totalCount"] == 0, field
        assert (await demo.query(query))[field]["totalCount"] == 0, field
        assert (await demo.ask("employee", query))[field]["totalCount"] <= 1, field
