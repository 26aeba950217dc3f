"""The reference for the read benchmark: a bare starlette endpoint serving the GraphQL page's JSON.

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

Serve it with ``uvicorn bench.bare:app_from_env --factory`` (reads ``ASNFLOW_DATABASE_URL``).
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
from policies.viewer import PUBLIC, load_viewer
from server import models
from server.auth import TokenError, user_id_from_token
from server.db import Database
from server.domain.ranks import RANK_NAMES
from server.paging import keyset_page
from server.registry import queries as q
from server.settings import Settings, load_settings


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


def _first(request: Request, settings: Settings) -> int | None:
    raw = request.query_params.get("first", str(settings.default_page_size))
    if not raw.isdigit() or int(raw) > settings.max_page_size:
        return None
    return int(raw)


def create_bare_app(settings: Settings, db: Database | None = None) -> Starlette:
    database = db or Database(settings.database_url)

    async def healthz(_: Request) -> Response:
        return _json({"status": "ok"})

    async def positions(request: Request) -> Response:
        first = _first(request, settings)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        data = await positions_page(database, first, dt.date.today(), None)
        return _json({"data": data})

    async def positions_auth(request: Request) -> Response:
        first = _first(request, settings)
        if first is None:
            return _json({"errors": [{"message": "first: out of range"}]}, 400)
        today = dt.date.today()
        viewer = PUBLIC
        header = request.headers.get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            try:
                if scheme.lower() != "bearer":
                    raise TokenError("the Authorization header must be 'Bearer <token>'")
                user_id = user_id_from_token(settings, token.strip())
            except TokenError as exc:
                return _json({"errors": [{"message": str(exc)}]}, 401)
            async with database.read() as session:
                viewer = await load_viewer(session, user_id, today)
        scope = registry_scope(viewer)
        visible = None if scope.everything else scope.units_clause
        data = await positions_page(database, first, today, visible)
        return _json({"data": data})

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
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """The uvicorn factory (``bench.bare:app_from_env``)."""
    return create_bare_app(load_settings())
