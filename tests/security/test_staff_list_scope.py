"""The working lists (trainingShortfall, dueForRotation) show only people the viewer may read: no names,
NIPs, hours or counts of another unit's people leak through a filter, a count or an anonymous call; and a
guard's sentence (which names a person's predicates or sanctions) is previewed only to someone who may act."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.helpers import TMT, DemoApi, propose, set_predicate
from tests.api.test_training_and_rotation import ROTATION, SHORTFALL, in_post_since, no_training_in

OPTIONS = "query($id: ID!) { request(id: $id) { availableActions { action allowed blockedBy reason } } }"


async def lists(api: DemoApi, persona: str | None, unit: str | None) -> list[dict[str, Any]]:
    async def run(query: str, **variables: Any) -> dict[str, Any]:
        if persona is None:
            return await api.query(query, variables)
        return await api.ask(persona, query, **variables)

    return [
        (await run(SHORTFALL, year=2026, unit=unit))["trainingShortfall"],
        (await run(ROTATION, unit=unit))["dueForRotation"],
    ]


async def listed_everywhere(api: DemoApi) -> None:
    """The employee persona is on both lists of KEL-GAMBIR-01 for anyone who may read them."""
    await no_training_in(api, "employee", 2026)
    await in_post_since(api.db, api.uid("employee"), dt.date(2019, 1, 1))
    for page in await lists(api, "unit_head", "KEL-GAMBIR-01"):
        assert api.uid("employee") in {e["node"]["employee"]["nip"] for e in page["edges"]}


async def test_anonymous_reads_neither_list_nor_its_count(demo: DemoApi) -> None:
    await listed_everywhere(demo)
    for unit in (None, "KEL-GAMBIR-01"):
        for page in await lists(demo, None, unit):
            assert (page["edges"], page["totalCount"]) == ([], 0)


async def test_another_units_head_gets_an_empty_page_and_a_zero_count_for_the_unit(demo: DemoApi) -> None:
    await listed_everywhere(demo)
    for page in await lists(demo, "target_head", "KEL-GAMBIR-01"):
        assert (page["edges"], page["totalCount"]) == ([], 0)


async def test_an_employee_sees_at_most_themself(demo: DemoApi) -> None:
    await listed_everywhere(demo)
    for page in await lists(demo, "employee", None):
        assert {e["node"]["employee"]["nip"] for e in page["edges"]} <= {demo.uid("employee")}
    for page in await lists(demo, "employee", "KEL-GAMBIR-02"):
        assert (page["edges"], page["totalCount"]) == ([], 0)


async def test_a_guards_sentence_is_not_shown_to_someone_who_may_not_act(demo: DemoApi) -> None:
    await set_predicate(demo.db, demo.uid("employee"), 2025, "Sangat Kurang")
    payload = await propose(
        demo,
        "unit_head",
        "proposePlacement",
        employeeNip=demo.uid("employee"),
        positionCode="KEL-GAMBIR-01-PLK2",
        effectiveDate=TMT,
    )
    rid = payload["request"]["id"]
    for persona in ("unit_head", "employee", "superior"):
        found = (await demo.ask(persona, OPTIONS, id=rid))["request"]
        shown = " ".join(f"{o['reason']} {o['blockedBy']}" for o in (found or {}).get("availableActions", []))
        assert "Sangat Kurang" not in shown and "predicate_last_two_years" not in shown, persona
