"""The yearly evaluation (SKP) through the API: the supervisor starts it -> the employee drafts the plan -> the
supervisor sets it, rates and delivers -> the employee accepts, or objects within 14 days to the supervisor's
superior, whose decision is final; without an objection the scheduler finalises it when the window closes."""

from __future__ import annotations

import datetime as dt

from tests.api.helpers import (
    TODAY,
    DemoApi,
    act,
    codes,
    drive,
    employee,
    fields,
    history,
    option,
    propose,
    proposed,
    run,
    state_of,
    task_for,
)
from workflows.cli import tick

YEAR = 2026
LAST_DAY_TO_OBJECT = TODAY + dt.timedelta(days=14)  # delivered today


async def start(api: DemoApi) -> str:
    return await proposed(api, "unit_head", "startEvaluation", employeeNip=api.uid("employee"), year=YEAR)


async def delivered(api: DemoApi, result: str, behaviour: str) -> str:
    rid = await start(api)
    ratings = {"resultRating": result, "behaviourRating": behaviour}
    state = await run(
        api,
        rid,
        [
            ("employee", "draft_plan"),
            ("unit_head", "set_plan"),
            ("unit_head", "rate", ratings),
            ("unit_head", "deliver"),
        ],
    )
    assert state == "delivered"
    return rid


async def predicate(api: DemoApi, year: int = YEAR) -> str | None:
    found = [e["predicate"] for e in (await employee(api, api.uid("employee")))["evaluations"] if e["year"] == year]
    return found[0] if found else None


async def test_accepted_ratings_become_the_final_predicate(demo: DemoApi) -> None:
    assert await predicate(demo) is None
    rid = await delivered(demo, "above", "as")
    assert await predicate(demo) is None, "a delivered evaluation is not final yet"
    done = await drive(demo, rid, "employee", "accept")
    assert (done["state"], done["terminal"]) == ("final", True)
    assert await predicate(demo) == "Baik"
    effects = [e["action"] for e in await history(demo, rid) if e["action"].startswith("evaluation.")]
    assert effects == ["evaluation.rated", "evaluation.delivered", "evaluation.finalised"]


async def test_an_objection_in_the_window_goes_to_the_superior_whose_decision_is_final(demo: DemoApi) -> None:
    rid = await delivered(demo, "as", "below")
    async with demo.on(LAST_DAY_TO_OBJECT) as day14:
        assert fields(await act(day14, "employee", rid, "object")) == ["comment"]
        objected = await drive(day14, rid, "employee", "object", comment="my service-desk record was left out")
        assert objected["state"] == "objected"
        assert [(t["role"], t["assignee"]) for t in objected["openTasks"]] == [("superior", demo.uid("superior"))]
        supervisor = await act(
            day14,
            "unit_head",
            rid,
            "decide_objection",
            comment="x",
            data={"resultRating": "above", "behaviourRating": "above"},
        )
        assert codes(supervisor) == ["FORBIDDEN"]
        decided = await drive(
            day14,
            rid,
            "superior",
            "decide_objection",
            comment="the record supports the objection",
            data={"resultRating": "above", "behaviourRating": "above"},
        )
    assert (decided["state"], decided["terminal"]) == ("final", True)
    assert await predicate(demo) == "Sangat Baik"


async def test_an_objection_after_fourteen_days_is_refused_by_the_window(demo: DemoApi) -> None:
    rid = await delivered(demo, "as", "as")
    async with demo.on(LAST_DAY_TO_OBJECT + dt.timedelta(days=1)) as day15:
        task = await task_for(day15, "employee", rid)
        shown = option(task["request"], "object")  # the route allows it; the window guard refuses it
        assert (shown["allowed"], "objection_window" in (shown["reason"] or "")) == (False, True)
        late = await act(day15, "employee", rid, "object", comment="late objection")
    assert (codes(late), fields(late)) == (["GUARD_FAILED"], ["objection_window"])
    assert "evaluation.objection_window/2022" in late["errors"][0]["message"]
    assert await state_of(demo, rid) == "delivered"


async def test_without_an_objection_the_scheduler_finalises_it_once_the_window_closes(demo: DemoApi) -> None:
    rid = await delivered(demo, "below", "below")
    assert await tick(demo.db, today=LAST_DAY_TO_OBJECT) == 0
    assert await tick(demo.db, today=LAST_DAY_TO_OBJECT + dt.timedelta(days=1)) == 1
    assert await tick(demo.db, today=LAST_DAY_TO_OBJECT + dt.timedelta(days=1)) == 0
    assert await state_of(demo, rid) == "final"
    assert await predicate(demo) == "Sangat Kurang"
    finalise = [e for e in await history(demo, rid) if e["action"] == "request.finalise"]
    assert [e["actor"] for e in finalise] == ["system"]


async def test_the_supervisor_returns_a_plan_with_a_reason_and_the_employee_drafts_it_again(demo: DemoApi) -> None:
    rid = await start(demo)
    await run(demo, rid, [("employee", "draft_plan")])
    assert fields(await act(demo, "unit_head", rid, "return")) == ["comment"]
    returned = await drive(demo, rid, "unit_head", "return", comment="targets must be measurable")
    assert returned["state"] == "planning"
    assert await run(demo, rid, [("employee", "draft_plan"), ("unit_head", "set_plan")]) == "in_progress"
    trail = [(e["action"], e["comment"]) for e in await history(demo, rid) if e["action"].startswith("request.")]
    assert trail == [
        ("request.start", None),
        ("request.draft_plan", None),
        ("request.return", "targets must be measurable"),
        ("request.draft_plan", None),
        ("request.set_plan", None),
    ]


async def test_ratings_outside_the_matrix_are_refused(demo: DemoApi) -> None:
    rid = await start(demo)
    await run(demo, rid, [("employee", "draft_plan"), ("unit_head", "set_plan")])
    bad = await act(demo, "unit_head", rid, "rate", data={"resultRating": "excellent", "behaviourRating": "as"})
    assert (codes(bad), fields(bad)) == (["VALIDATION"], ["data.resultRating"])
    assert "'excellent' is not one of above, as, below" in bad["errors"][0]["message"]
    assert await state_of(demo, rid) == "in_progress"


async def test_one_evaluation_per_employee_and_year(demo: DemoApi) -> None:
    await start(demo)
    again = await propose(demo, "unit_head", "startEvaluation", employeeNip=demo.uid("employee"), year=YEAR)
    assert (codes(again), fields(again)) == (["VALIDATION"], ["year"])


async def test_the_employee_cannot_rate_their_own_evaluation(demo: DemoApi) -> None:
    rid = await start(demo)
    await run(demo, rid, [("employee", "draft_plan"), ("unit_head", "set_plan")])
    own = await act(demo, "employee", rid, "rate", data={"resultRating": "above", "behaviourRating": "above"})
    assert codes(own) == ["FORBIDDEN"]
