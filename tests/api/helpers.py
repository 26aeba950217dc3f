"""Driving the workflows through GraphQL as the demo personas: queries, a step helper, and data set-ups.

A persona is named by its key in ``server.seed.persona_user_ids`` ("employee", "unit_head", "bkd_verifier",
...) or by a raw user id. ``drive`` takes one step the way an approver's tool does: it finds the task in
the persona's own ``myTasks``, checks ``availableActions`` says the action is allowed, and acts with the
version it read (``expectedVersion``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from schema.app import create_app
from server.db import Database
from server.models import (
    Assignment,
    DisciplinarySanction,
    Employee,
    EvaluationResult,
    Position,
    Unit,
)
from server.seed import REFERENCE_DATE
from tests.schema.conftest import Api, make_settings
from workflows import catalog

TODAY = REFERENCE_DATE  # 2026-11-28, the day the demo API judges on
TMT = dt.date(2026, 12, 1)  # the next 1st of a month: a promotion period, and still judged on 2024-2025 predicates
DAY_BEFORE_TMT = TMT - dt.timedelta(days=1)

# ---------------------------------------------------------------------------------------------- GraphQL

ERRORS = "errors { code message field }"
REQUEST_FIELDS = """
    id kind state version terminal effectiveDate proposedBy definitionVersion
    subject { nip }
    openTasks { step role unitCode assignee }
    availableActions { action kind allowed reason }
"""
PAYLOAD = f"request {{ {REQUEST_FIELDS} }} {ERRORS}"

PROPOSE = {  # every proposal mutation the definitions declare (proposePlacement, ...), as the schema generates it
    c.mutation: f"mutation($input: {c.input}!) {{ {c.mutation}(input: $input) {{ {PAYLOAD} }} }}"
    for c in (d.proposal.command for d in catalog.current_definitions())
    if c is not None
}
ACT = f"mutation($input: ActInput!) {{ act(input: $input) {{ {PAYLOAD} }} }}"
REQUEST = f"query($id: ID!) {{ request(id: $id) {{ {REQUEST_FIELDS} }} }}"
REQUESTS = """query($filter: RequestFilter) {
  requests(filter: $filter, first: 100) { totalCount edges { node { id kind state } } }
}"""
HISTORY = """query($id: ID!) { request(id: $id) { state history {
  seq actor action entityType entityId fromState toState comment before after
} } }"""
MY_TASKS = f"""{{ myTasks(first: 100) {{ edges {{ node {{
  id step role unitCode assignee request {{ {REQUEST_FIELDS} }}
}} }} }} }}"""
EXPLAIN = "query($action: String!, $id: ID!) { explain(action: $action, requestId: $id) { allowed reasons } }"
EMPLOYEE = """query($nip: String!, $asOf: Date, $year: Int!) { employee(nip: $nip) {
  nip rank { code name } rankSince
  position(asOf: $asOf) { code }
  assignments { position { code } startDate endDate kind decreeNo }
  evaluations { year predicate }
  trainingHours(year: $year)
} }"""
POSITION = """query($code: String!, $asOf: Date) { position(code: $code) {
  code quota vacancies holders(asOf: $asOf) { nip }
} }"""
AUDIT_EVENTS = """query($filter: AuditFilter, $after: String) {
  auditEvents(filter: $filter, first: 100, after: $after, oldestFirst: true) {
    pageInfo { hasNextPage endCursor } edges { node {
    seq actor action entityType entityId requestId fromState toState comment before after
  } } }
}"""
AUDIT_VERIFICATION = "{ auditVerification { ok checkedEvents firstBrokenSeq problem explanation } }"
GRANT_ROLE = """mutation($input: GrantRoleInput!) { grantRole(input: $input) {
  grant { role unitCode userId } errors { code message field }
} }"""


# ---------------------------------------------------------------------------------------------- the API


class DemoApi(Api):
    """The API over the seeded demo data, with the personas' user ids and a way to ask on another day."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        db: Database,
        db_url: str,
        people: dict[str, str],
        tmp_path: Path,
        today: dt.date,
        viewer_cache_seconds: float | None = None,
    ) -> None:
        super().__init__(client, _settings(db_url, tmp_path, today, viewer_cache_seconds), db)
        self.db_url = db_url
        self.people = people
        self.tmp_path = tmp_path
        self.today = today

    def uid(self, persona: str) -> str:
        return self.people.get(persona, persona)

    async def ask(self, persona: str, query: str, **variables: Any) -> dict[str, Any]:
        """A query or mutation as ``persona``; GraphQL errors fail the test (refusals come back as data)."""
        return await self.query(query, variables, as_user=self.uid(persona))

    @asynccontextmanager
    async def on(self, day: dt.date) -> AsyncIterator[DemoApi]:
        """The same database, judged on ``day`` (the API's notion of today)."""
        async with open_demo_api(self.db, self.db_url, self.people, self.tmp_path, today=day) as api:
            yield api

    @asynccontextmanager
    async def uncached(self) -> AsyncIterator[DemoApi]:
        """The same database and day, the viewer loaded on every request: a statement count then does not
        depend on whether the viewer cache's time ran out between two requests (it can on a loaded machine)."""
        async with open_demo_api(
            self.db, self.db_url, self.people, self.tmp_path, today=self.today, viewer_cache_seconds=0
        ) as api:
            yield api


def _settings(db_url: str, tmp_path: Path, today: dt.date, viewer_cache_seconds: float | None = None) -> Any:
    cache = {} if viewer_cache_seconds is None else {"viewer_cache_seconds": viewer_cache_seconds}
    return make_settings(
        db_url,
        today=today,
        checkpoint_file=tmp_path / "checkpoints.jsonl",
        checkpoint_key_file=tmp_path / "checkpoint.key",
        **cache,
    )


@asynccontextmanager
async def open_demo_api(
    db: Database,
    db_url: str,
    people: dict[str, str],
    tmp_path: Path,
    today: dt.date = TODAY,
    viewer_cache_seconds: float | None = None,
) -> AsyncIterator[DemoApi]:
    app = create_app(_settings(db_url, tmp_path, today, viewer_cache_seconds), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield DemoApi(client, db, db_url, people, tmp_path, today, viewer_cache_seconds)


# ---------------------------------------------------------------------------------------------- commands


def _input(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v is not None}


async def propose(api: DemoApi, persona: str, mutation: str, **values: Any) -> dict[str, Any]:
    """The payload (``request``, ``errors``) of a proposal mutation (``proposePlacement``, ...) as ``persona``."""
    data = await api.ask(persona, PROPOSE[mutation], input=_input(values))
    return data[mutation]  # type: ignore[no-any-return]


async def proposed(api: DemoApi, persona: str, mutation: str, **values: Any) -> str:
    """Propose and expect success: the new request's id."""
    payload = await propose(api, persona, mutation, **values)
    assert payload["errors"] == [], payload["errors"]
    return str(payload["request"]["id"])


async def act(api: DemoApi, persona: str, request_id: str, action: str, **values: Any) -> dict[str, Any]:
    """The payload of ``act`` as ``persona`` (``comment``, ``data``, ``expectedVersion``, ``idempotencyKey``)."""
    data = await api.ask(persona, ACT, input={"requestId": request_id, "action": action, **_input(values)})
    return data["act"]  # type: ignore[no-any-return]


async def task_for(api: DemoApi, persona: str, request_id: str) -> dict[str, Any]:
    """The persona's one open task on the request, as their ``myTasks`` lists it."""
    data = await api.ask(persona, MY_TASKS)
    tasks = [e["node"] for e in data["myTasks"]["edges"] if e["node"]["request"]["id"] == str(request_id)]
    assert len(tasks) == 1, f"{persona} has {len(tasks)} open task(s) on request {request_id}"
    return tasks[0]


async def has_task(api: DemoApi, persona: str, request_id: str) -> bool:
    data = await api.ask(persona, MY_TASKS)
    return any(e["node"]["request"]["id"] == str(request_id) for e in data["myTasks"]["edges"])


def option(request: dict[str, Any], action: str) -> dict[str, Any]:
    """The ``availableActions`` entry of ``action``."""
    found = [o for o in request["availableActions"] if o["action"] == action]
    assert found, f"{action} is not among {[o['action'] for o in request['availableActions']]}"
    return found[0]


async def drive(
    api: DemoApi,
    request_id: str,
    persona: str,
    action: str,
    *,
    comment: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One step as an approver takes it: the task from their inbox, the action allowed, act at that version."""
    task = await task_for(api, persona, request_id)
    request = task["request"]
    assert option(request, action)["allowed"], option(request, action)
    payload = await act(
        api, persona, request_id, action, comment=comment, data=data, expectedVersion=request["version"]
    )
    assert payload["errors"] == [], (persona, action, payload["errors"])
    after: dict[str, Any] = payload["request"]
    assert after["version"] > request["version"]
    return after


async def run(api: DemoApi, request_id: str, steps: Iterable[tuple[str, str] | tuple[str, str, dict[str, Any]]]) -> str:
    """``drive`` each (persona, action[, data]) in turn; the state reached."""
    state = ""
    for step in steps:
        persona, action = step[0], step[1]
        data = step[2] if len(step) > 2 else None  # type: ignore[misc]
        state = (await drive(api, request_id, persona, action, data=data))["state"]
    return state


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def fields(payload: dict[str, Any]) -> list[str | None]:
    return [e["field"] for e in payload["errors"]]


# ---------------------------------------------------------------------------------------------- reads


async def request(api: DemoApi, persona: str, request_id: str) -> dict[str, Any] | None:
    data = await api.ask(persona, REQUEST, id=request_id)
    return data["request"]  # type: ignore[no-any-return]


async def state_of(api: DemoApi, request_id: str) -> str:
    found = await request(api, "auditor", request_id)
    assert found is not None
    return str(found["state"])


async def history(api: DemoApi, request_id: str, persona: str = "auditor") -> list[dict[str, Any]]:
    data = await api.ask(persona, HISTORY, id=request_id)
    return data["request"]["history"]  # type: ignore[no-any-return]


def steps_of(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The state-changing step events of a trail (``request.<action>``, refusals left out)."""
    return [e for e in events if e["action"].startswith("request.") and e["action"] != "request.refused"]


def transitions(events: Iterable[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(e["fromState"], e["toState"]) for e in steps_of(events)]


async def audit_events(api: DemoApi, **flt: Any) -> list[dict[str, Any]]:
    """Every audit event matching the filter, oldest first, as the auditor reads them (page by page)."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.ask("auditor", AUDIT_EVENTS, filter=flt, after=after))["auditEvents"]
        events += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


async def employee(api: DemoApi, nip: str, *, as_of: dt.date | None = None, year: int = 2026) -> dict[str, Any]:
    data = await api.ask("auditor", EMPLOYEE, nip=nip, asOf=as_of.isoformat() if as_of else None, year=year)
    assert data["employee"] is not None
    return data["employee"]  # type: ignore[no-any-return]


async def position(api: DemoApi, code: str, *, as_of: dt.date | None = None) -> dict[str, Any]:
    data = await api.ask("auditor", POSITION, code=code, asOf=as_of.isoformat() if as_of else None)
    found: dict[str, Any] = data["position"]
    found["holderNips"] = {h["nip"] for h in found["holders"]}
    return found


async def grant_role(api: DemoApi, persona: str, role: str, unit_code: str | None = None) -> None:
    """The administrator grants ``role`` to the persona (province-wide unless ``unit_code``)."""
    values = _input({"userId": api.uid(persona), "role": role, "unitCode": unit_code})
    data = await api.ask("admin", GRANT_ROLE, input=values)
    assert data["grantRole"]["errors"] == [], data["grantRole"]["errors"]


# ---------------------------------------------------------------------------------------------- data set-ups


async def employee_id(db: Database, nip: str) -> int:
    async with db.read() as s:
        return int((await s.execute(select(Employee.id).where(Employee.nip == nip))).scalar_one())


async def update_employee(db: Database, nip: str, **values: Any) -> None:
    async with db.write() as s:
        await s.execute(update(Employee).where(Employee.nip == nip).values(**values))


async def set_predicate(db: Database, nip: str, year: int, predicate: str) -> None:
    who = await employee_id(db, nip)
    async with db.write() as s:
        await s.execute(
            update(EvaluationResult)
            .where(EvaluationResult.employee_id == who, EvaluationResult.year == year)
            .values(predicate=predicate)
        )


async def add_sanction(db: Database, nip: str, severity: str, start: dt.date, end: dt.date | None) -> None:
    who = await employee_id(db, nip)
    async with db.write() as s:
        s.add(
            DisciplinarySanction(employee_id=who, severity=severity, start_date=start, end_date=end, decree_no="HD-1")
        )


async def move_current_post_start(db: Database, nip: str, start: dt.date) -> None:
    """The employee's current definitive assignment started on ``start`` (the one before ends the day before)."""
    who = await employee_id(db, nip)
    async with db.write() as s:
        rows = (
            await s.execute(
                select(Assignment)
                .where(Assignment.employee_id == who, Assignment.kind == "definitive")
                .order_by(Assignment.start_date)
            )
        ).scalars()
        held = list(rows)
        held[-1].start_date = start
        await s.flush()  # the current post moves first, so the previous one never overlaps it
        if len(held) > 1:
            held[-2].end_date = start - dt.timedelta(days=1)


async def add_position(
    db: Database,
    code: str,
    *,
    unit_code: str,
    type: str,
    job_class: int,
    quota: int = 1,
    min_rank: str | None = None,
    max_rank: str | None = None,
) -> None:
    """A new (vacant) position in the unit."""
    async with db.write() as s:
        unit_id = (await s.execute(select(Unit.id).where(Unit.code == unit_code))).scalar_one()
        s.add(
            Position(
                code=code,
                title=code.replace("-", " ").title(),
                type=type,
                unit_id=unit_id,
                managerial=type in ("PENGAWAS", "ADMINISTRATOR", "JPT_PRATAMA", "JPT_MADYA", "JPT_UTAMA"),
                quota=quota,
                job_class=job_class,
                min_rank=min_rank,
                max_rank=max_rank,
                competencies=[],
            )
        )


async def fill_position(db: Database, code: str, nip: str, start: dt.date) -> None:
    """Another employee takes a seat of the position from ``start`` (their current post ends the day before)."""
    who = await employee_id(db, nip)
    async with db.write() as s:
        position_id = (await s.execute(select(Position.id).where(Position.code == code))).scalar_one()
        managerial = (await s.execute(select(Position.managerial).where(Position.id == position_id))).scalar_one()
        await s.execute(
            update(Assignment)
            .where(Assignment.employee_id == who, Assignment.end_date.is_(None), Assignment.kind == "definitive")
            .values(end_date=start - dt.timedelta(days=1))
        )
        s.add(
            Assignment(employee_id=who, position_id=position_id, start_date=start, end_date=None, managerial=managerial)
        )
