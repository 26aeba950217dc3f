"""The floor for the read benchmarks: asyncpg + orjson, no ORM, no GraphQL, hand-written SQL.

``GET /positions?first=50`` and ``GET /my-tasks?first=50`` answer, byte for byte, what asnflow answers
for the pages of bench/run_all.py (``POSITIONS_QUERY``, ``MY_TASKS_QUERY``) to the same viewer:

* positions: 2 statements. The page (positions joined to their unit, the definitive holder count as a
  correlated subquery for ``vacancies``, keyset order by code, ``first + 1`` rows) and the holders
  visible to the viewer (assignments joined to employees, the viewer's read scope on the position's
  unit), grouped in Python.
* myTasks: 1 statement. The viewer's open tasks (newest first, ``first + 1`` rows) joined to their
  request, subject, position and unit.

The viewer is resolved as the real server does, and cached as long (``Settings.viewer_cache_seconds``,
per user and day, schema/app.py's ``ViewerCache``): the token is verified on every request (pyjwt
through ``server.auth``), and on a cache miss the viewer is loaded (``policies.viewer.load_viewer``)
and its two scoping predicates, ``policies.read.open_tasks_clause`` (with the own-case exclusion of
``workflows.repository.lists.actionable_tasks``) and ``policies.scope.registry_scope(viewer).units_clause``, are
compiled once to SQL text. So the scoping is the project's one rule, not a second copy that could
drift; on the measured path (a cache hit) no SQLAlchemy code runs, only asyncpg and orjson.

Serve it with ``uvicorn bench.floor:app_from_env --factory`` (reads ``ASNFLOW_DATABASE_URL``, which
must be PostgreSQL, ``ASNFLOW_SECRET`` and ``ASNFLOW_TODAY``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.dialects import postgresql
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from policies.read import open_tasks_clause
from policies.scope import registry_scope
from policies.viewer import load_viewer
from server import models
from server.auth import TokenError, user_id_from_token
from server.clock import service_today
from server.db import Database
from server.domain.ranks import RANK_NAMES
from server.paging import encode_cursor
from server.settings import Settings, load_settings

HELD = "a.kind = 'definitive' AND a.start_date <= {day} AND (a.end_date IS NULL OR a.end_date >= {day})"

POSITIONS_SQL = f"""
SELECT positions.id, positions.code, positions.title,
       greatest(positions.quota - (SELECT count(*) FROM assignments a WHERE a.position_id = positions.id AND {HELD}), 0),
       u.code, u.name
FROM positions JOIN units u ON u.id = positions.unit_id
ORDER BY positions.code LIMIT {{limit}}
"""

HOLDERS_SQL = f"""
SELECT a.position_id, e.nip, e.name, e.rank_code
FROM assignments a JOIN positions ON positions.id = a.position_id JOIN employees e ON e.id = a.employee_id
WHERE a.position_id = ANY($1::int[]) AND {HELD} AND ({{visible}})
ORDER BY a.position_id, a.start_date, a.employee_id
"""

TASKS_SQL = """
SELECT tasks.id, tasks.step, r.id, r.kind, r.state, e.nip, e.name, p.code, p.title, u.code, u.name
FROM tasks JOIN workflow_requests r ON r.id = tasks.request_id JOIN employees e ON e.id = r.subject_employee_id
LEFT JOIN positions p ON p.id = r.position_id LEFT JOIN units u ON u.id = p.unit_id
WHERE {clause}
ORDER BY tasks.id DESC LIMIT {limit}
"""


def _sql(clause: ColumnElement[bool]) -> str:
    """A predicate as PostgreSQL text with its values inlined (strings, integers: the viewer's grants)."""
    return str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Scoped:
    """A viewer's statements, ready for asyncpg."""

    holders: str
    tasks: str
    expires: float


async def scoped_statements(db: Database, user_id: str, today: dt.date, ttl: float) -> Scoped:
    """Load the viewer and compile its scoping predicates, as ``workflows.repository.lists.actionable_tasks`` and
    ``policies.scope.registry_scope`` build them."""
    async with db.read() as session:
        viewer = await load_viewer(session, user_id, today)
    tasks: ColumnElement[bool] = and_(models.Task.closed_at.is_(None), open_tasks_clause(viewer))
    if viewer.employee_id is not None:
        own = select(models.WorkflowRequest.id).where(models.WorkflowRequest.subject_employee_id == viewer.employee_id)
        tasks = and_(
            tasks, or_(models.Task.request_id.not_in(own), models.Task.role == "self", models.Task.role == "proposer")
        )
    scope = registry_scope(viewer)
    visible = "true" if scope.everything else _sql(scope.units_clause(models.Position.unit_id))
    return Scoped(
        HOLDERS_SQL.replace("{visible}", visible).replace("{day}", "$2"),
        TASKS_SQL.replace("{clause}", _sql(tasks)),
        time.monotonic() + ttl,
    )


def _limited(sql: str, rows: int) -> str:
    """The page size written into the SQL, as asnflow does (server.paging.row_limit): with ``LIMIT $1``
    PostgreSQL re-plans the prepared statement on every execution (a generic plan cannot know the limit)."""
    return sql.replace("{limit}", str(int(rows)))


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def positions_page(conn: Any, scoped: Scoped, first: int, today: dt.date) -> dict[str, Any]:
    rows = (await conn.fetch(_limited(POSITIONS_SQL.replace("{day}", "$1"), first + 1), today))[:first]
    holders: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for pid, nip, name, rank in await conn.fetch(scoped.holders, [r[0] for r in rows], today):
            holders.setdefault(pid, []).append(
                {"nip": nip, "name": name, "rank": None if rank is None else {"code": rank, "name": RANK_NAMES[rank]}}
            )
    edges = [
        {
            "node": {
                "code": code,
                "title": title,
                "vacancies": vacancies,
                "unit": {"code": ucode, "name": uname},
                "holders": holders.get(pid, []),
            }
        }
        for pid, code, title, vacancies, ucode, uname in rows
    ]
    return {"positions": {"edges": edges}}


async def my_tasks_page(conn: Any, scoped: Scoped, first: int) -> dict[str, Any]:
    rows = await conn.fetch(_limited(scoped.tasks, first + 1))
    page = rows[:first]
    edges = []
    for tid, step, rid, kind, state, nip, name, pcode, ptitle, ucode, uname in page:
        position = None if pcode is None else {"code": pcode, "title": ptitle, "unit": {"code": ucode, "name": uname}}
        edges.append(
            {
                "node": {
                    "id": str(tid),
                    "step": step,
                    "request": {
                        "id": str(rid),
                        "kind": kind,
                        "state": state,
                        "subject": {"nip": nip, "name": name},
                        "position": position,
                    },
                }
            }
        )
    info = {"hasNextPage": len(rows) > first, "endCursor": encode_cursor(page[-1][0]) if page else None}
    return {"myTasks": {"pageInfo": info, "edges": edges}}


def create_floor_app(settings: Settings) -> Starlette:
    db = Database(settings.database_url)
    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    state: dict[str, Any] = {}
    viewers: dict[tuple[str, dt.date], Scoped] = {}

    async def scoped_for(request: Request, today: dt.date) -> Scoped | Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise TokenError("the Authorization header must be 'Bearer <token>'")
            user_id = user_id_from_token(settings, token.strip())
        except TokenError as exc:
            return _json({"errors": [{"message": str(exc)}]}, 401)
        found = viewers.get((user_id, today))
        if found is None or found.expires < time.monotonic():
            found = viewers[(user_id, today)] = await scoped_statements(
                db, user_id, today, settings.viewer_cache_seconds
            )
        return found

    def first_of(request: Request) -> int | None:
        raw = request.query_params.get("first", str(settings.default_page_size))
        return int(raw) if raw.isdigit() and int(raw) <= settings.max_page_size else None

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    async def positions(request: Request) -> Response:
        first = first_of(request)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        today = service_today(settings)
        scoped = await scoped_for(request, today)
        if isinstance(scoped, Response):
            return scoped
        async with state["pool"].acquire() as conn, conn.transaction(readonly=True):
            data = await positions_page(conn, scoped, first, today)
        return _json({"data": data})

    async def my_tasks(request: Request) -> Response:
        first = first_of(request)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        scoped = await scoped_for(request, service_today(settings))
        if isinstance(scoped, Response):
            return scoped
        async with state["pool"].acquire() as conn:
            data = await my_tasks_page(conn, scoped, first)
        return _json({"data": data})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        yield
        await state["pool"].close()
        await db.dispose()

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/positions", positions), Route("/my-tasks", my_tasks)],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """The uvicorn factory (``bench.floor:app_from_env``)."""
    settings = load_settings()
    if not settings.database_url.startswith("postgresql"):
        raise SystemExit("bench.floor runs on PostgreSQL only (asyncpg)")
    return create_floor_app(settings)
