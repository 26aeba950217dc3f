"""asnflow's SQL without GraphQL: starlette endpoints serving the GraphQL pages' JSON through asnflow's own code.

Not a floor: it runs the same ORM, viewer and session code as the GraphQL path and only leaves GraphQL
out, so a ratio against it says what GraphQL costs, not how far the whole path is from the least a server
needs. The floor is bench/floor.py (asyncpg + orjson, hand-written SQL), measured by bench/side_by_side.py.

``GET /positions?first=50`` runs the statements the GraphQL ``positions`` page runs (the same
functions of ``server/registry/queries.py``: the keyset page of ``positions_query``, ``units_by_id``,
``holder_counts``, ``holder_ids``, ``employees_by_id``) and answers the body the GraphQL server
answers for

    { positions(first: 50) { edges { node { code title vacancies unit { code name }
                                            holders { nip name rank { code name } } } } } }

as ``{"data": {...}}`` serialised with orjson. It does no GraphQL work at all: no parsing,
validation, extensions, resolvers or result completion. The holders are everyone's (the view of a
province-wide administrator).

``GET /positions-auth?first=50`` does in addition what the GraphQL server does per request before
the page: verify the bearer token, load the viewer (``policies.viewer.load_viewer``) and compute the
read scope, which then limits the holders. It therefore runs exactly the GraphQL path's statements.

``GET /my-tasks?first=50`` is the reference for the inbox page of bench/run_all.py,

    { myTasks(first: 50) { pageInfo { hasNextPage endCursor }
                           edges { node { id step request { id kind state subject { nip name }
                                                            position { code title unit { code name } } } } } } }

It verifies the token, loads the viewer, then runs the statements the GraphQL resolver runs, in its
order and in the same transactions (``workflows.repository.lists.actionable_tasks`` keyset page, newest first; then
``requests_by_id`` (the tasks' units are not read: the page does not select ``unitCode``), ``employees_by_id`` of the subjects,
``positions_by_id`` and ``units_by_id`` of the positions), and answers the same bytes.

The date is the service's (``server.clock.service_today``: Jakarta's, or ``ASNFLOW_TODAY``), as the
GraphQL server's. Serve it with ``uvicorn bench.bare:app_from_env --factory`` (reads
``ASNFLOW_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from policies.scope import registry_scope
from policies.viewer import PUBLIC, Viewer, ViewerCache, load_viewer
from server import models
from server.auth import TokenError, user_id_from_token
from server.clock import service_today
from server.db import Database
from server.domain.ranks import RANK_NAMES
from server.paging import keyset_page
from server.registry import queries as q
from server.settings import Settings, load_settings
from workflows.repository import lists


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def positions_page(db: Database, first: int, today: dt.date, visible: q.UnitCondition | None) -> dict[str, Any]:
    """The page as the GraphQL response's ``data``, with the statements of the GraphQL path, in its order."""
    async with db.read() as s:
        query = q.positions_query(q.PositionFilter(), day=today)
        page = await keyset_page(s, query, models.Position.code, first=first, after=None)
        rows = page.rows
        ids = [p.id for p in rows]
        units = await q.units_by_id(s, [p.unit_id for p in rows]) if rows else {}
        counts = await q.holder_counts(s, ids, today)
        by_position = await q.holder_ids(s, ids, today, visible)
        people = await q.employees_by_id(s, {e for es in by_position.values() for e in es})
    rank_cache: dict[str | None, Any] = {None: None}

    def rank(code: str | None) -> Any:
        found = rank_cache.get(code, False)
        if found is False:
            found = rank_cache[code] = {"code": code, "name": RANK_NAMES[code]}  # type: ignore[index]
        return found

    edges = []
    for p in rows:
        unit = units[p.unit_id]
        holders = []
        for e in by_position.get(p.id, ()):
            person = people[e]
            holders.append({"nip": person.nip, "name": person.name, "rank": rank(person.rank_code)})
        edges.append(
            {
                "node": {
                    "code": p.code,
                    "title": p.title,
                    "vacancies": max(p.quota - counts.get(p.id, 0), 0),
                    "unit": {"code": unit.code, "name": unit.name},
                    "holders": holders,
                }
            }
        )
    return {"positions": {"edges": edges}}


async def my_tasks_page(db: Database, viewer: Viewer, first: int) -> dict[str, Any]:
    """The inbox page as the GraphQL response's ``data``, with the GraphQL path's statements and transactions."""
    async with db.read() as s:
        page = await keyset_page(
            s, lists.actionable_tasks(viewer), models.Task.id, first=first, after=None, descending=True
        )
    tasks = page.rows
    async with db.read() as s:
        requests = await lists.requests_by_id(s, [t.request_id for t in tasks]) if tasks else {}
        rows = list(requests.values())
        people = await q.employees_by_id(s, [r.subject_employee_id for r in rows]) if rows else {}
        positions = (
            await q.positions_by_id(s, [r.position_id for r in rows if r.position_id is not None]) if rows else {}
        )
        units = await q.units_by_id(s, [p.unit_id for p in positions.values()]) if positions else {}

    def position(pid: int | None) -> dict[str, Any] | None:
        if pid is None:
            return None
        p = positions[pid]
        unit = units[p.unit_id]
        return {"code": p.code, "title": p.title, "unit": {"code": unit.code, "name": unit.name}}

    edges = []
    for t in tasks:
        r = requests[t.request_id]
        subject = people[r.subject_employee_id]
        edges.append(
            {
                "node": {
                    "id": str(t.id),
                    "step": t.step,
                    "request": {
                        "id": str(r.id),
                        "kind": r.kind,
                        "state": r.state,
                        "subject": {"nip": subject.nip, "name": subject.name},
                        "position": position(r.position_id),
                    },
                }
            }
        )
    info = {"hasNextPage": page.has_next, "endCursor": page.cursors[-1] if page.cursors else None}
    return {"myTasks": {"pageInfo": info, "edges": edges}}


def _first(request: Request, settings: Settings) -> int | None:
    raw = request.query_params.get("first", str(settings.default_page_size))
    if not raw.isdigit() or int(raw) > settings.max_page_size:
        return None
    return int(raw)


def create_bare_app(settings: Settings, db: Database | None = None) -> Starlette:
    database = db or Database(settings.database_url)
    viewers = ViewerCache(settings.viewer_cache_seconds)  # as the GraphQL server keeps them (schema/app.py)

    async def load(user_id: str, today: dt.date) -> Viewer:
        async with database.read() as session:
            return await load_viewer(session, user_id, today)

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    async def positions(request: Request) -> Response:
        first = _first(request, settings)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        data = await positions_page(database, first, service_today(settings), None)
        return _json({"data": data})

    async def viewer_of(request: Request, today: dt.date) -> Viewer | Response:
        """What the GraphQL server does before any resolver: the token, then the viewer (one transaction,
        or none while the viewer is cached, as in schema/app.py)."""
        header = request.headers.get("authorization")
        if not header:
            return PUBLIC
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise TokenError("the Authorization header must be 'Bearer <token>'")
            user_id = user_id_from_token(settings, token.strip())
        except TokenError as exc:
            return _json({"errors": [{"message": str(exc)}]}, 401)
        return await viewers.viewer(lambda: load(user_id, today), user_id, today)

    async def positions_auth(request: Request) -> Response:
        first = _first(request, settings)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        today = service_today(settings)
        viewer = await viewer_of(request, today)
        if isinstance(viewer, Response):
            return viewer
        scope = registry_scope(viewer)
        visible = None if scope.everything else scope.units_clause
        data = await positions_page(database, first, today, visible)
        return _json({"data": data})

    async def my_tasks(request: Request) -> Response:
        first = _first(request, settings)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        viewer = await viewer_of(request, service_today(settings))
        if isinstance(viewer, Response):
            return viewer
        return _json({"data": await my_tasks_page(database, viewer, first)})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if db is None:
            await database.dispose()

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/positions", positions),
            Route("/positions-auth", positions_auth),
            Route("/my-tasks", my_tasks),
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """The uvicorn factory (``bench.bare:app_from_env``); the start-up heap frozen as in the real server."""
    from server.heap import freeze_startup_heap

    app = create_bare_app(load_settings())
    freeze_startup_heap()
    return app
