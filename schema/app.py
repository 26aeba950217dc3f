"""The ASGI application: ``/graphql`` (GraphiQL in development only), ``/healthz``, ``/readyz``, the console at ``/``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from policies.notify import start_policy_listener
from policies.viewer import PUBLIC, Viewer, ViewerCache, load_viewer
from schema.access import AccessLogMiddleware
from schema.admission import Admission, AdmissionMiddleware
from schema.console.routes import console_routes
from schema.context import Context
from schema.errors import UNAVAILABLE_BODY, DatabaseUnavailable, is_unavailable
from schema.http import (
    BodyLimitMiddleware,
    RequestIdMiddleware,
    TokenMiddleware,
    TokenRefusals,
    is_mutation_over_get,
    send_json,
)
from schema.media import GRAPHQL_RESPONSE, is_request_error, wants_graphql_response
from schema.metrics import forget_process, metrics, watch_pool
from schema.public_csv import public_routes
from schema.ratelimit import AnonymousRateLimitMiddleware
from schema.schema import build_schema
from schema.websocket import SessionHandler, TextWebSocketAdapter, limit_messages
from server.clock import service_today
from server.db import Database
from server.event_listener import start_event_listener
from server.settings import Settings

log = logging.getLogger("asnflow.app")


class AsnflowGraphQL(GraphQL[Context, None]):
    """Builds the per-request context: the viewer from the user id the token middleware left.

    Over WebSocket the context is built per operation instead (``operation_context``, called by
    schema/websocket.py's ``SessionHandler``), so that every operation sees the grants of that moment.
    """

    graphql_transport_ws_handler_class = SessionHandler
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        db: Database,
        settings: Settings,
        admission: Admission | None = None,
        token_refusals: TokenRefusals | None = None,
    ) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.db = db
        self.settings = settings
        self.viewers = ViewerCache(settings.viewer_cache_seconds)
        self.admission = admission or Admission(settings.max_concurrent_requests, settings.admission_wait_seconds)
        # shared with ``TokenMiddleware``: one count and one flood gate for refused tokens, HTTP or WebSocket
        self.token_refusals = token_refusals or TokenRefusals(settings, db)

    async def _load_viewer(self, user_id: str, today: dt.date) -> Viewer:
        async with self.db.read() as session:
            return await load_viewer(session, user_id, today)

    def decode_json(self, data: str | bytes) -> object:
        """orjson: a too-deep or non-UTF-8 body is a JSONDecodeError (HTTP 400), not a RecursionError (500)."""
        return orjson.loads(data)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if is_mutation_over_get(scope):
            body = {"errors": [{"message": "mutations are not allowed when using GET; send them with POST"}]}
            await send_json(send, 405, body, [(b"allow", b"POST")])
            return
        if scope["type"] == "websocket":
            receive = limit_messages(receive, send, self.settings.max_ws_message_bytes)
        try:
            if scope["type"] == "http":
                async with self.db.one_session_per_request():
                    await super().__call__(scope, receive, send)
            else:  # a WebSocket lives for hours: its operations keep their own short sessions
                await super().__call__(scope, receive, send)
        except DatabaseUnavailable:
            await send_json(send, 503, UNAVAILABLE_BODY, [(b"retry-after", b"5")])

    def parse_json(self, data: str | bytes) -> Any:
        """A body (or ``variables``) that is JSON but not an object, such as ``42`` or ``null``, is a 400 with a
        sentence: strawberry would call ``.get`` on it and answer 500. A list stays a batch (refused by name)."""
        value = super().parse_json(data)
        if not isinstance(value, dict | list):
            got = "null" if value is None else "a string" if isinstance(value, str) else orjson.dumps(value).decode()
            raise HTTPException(
                400, f'the request must be a JSON object such as {{"query": "{{ __typename }}"}}, not {got}'
            )
        return value

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Remembers, on the response strawberry lets us shape, which media type the client asked for."""
        sub_response = await super().get_sub_response(request)
        if wants_graphql_response(request.headers.get("accept")):
            sub_response.media_type = GRAPHQL_RESPONSE
        return sub_response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """``application/graphql-response+json`` when asked for (schema/media.py): then a request that never
        executed is a 400 without ``data``; ``application/json`` keeps 200 for every well-formed request."""
        if sub_response.media_type != GRAPHQL_RESPONSE:
            return super().create_response(response_data, sub_response)
        if isinstance(response_data, dict) and is_request_error(response_data):
            response_data = {k: v for k, v in response_data.items() if k != "data"}
            sub_response.status_code = sub_response.status_code or 400
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = GRAPHQL_RESPONSE
        return response

    def encode_json(self, data: object) -> bytes:
        """orjson instead of the standard json module: the same bytes for our data, a few percent faster."""
        return orjson.dumps(data)

    async def operation_context(self, user_id: str | None, correlation_id: str) -> Context:
        """A WebSocket operation's context: the viewer loaded afresh, never from the cache."""
        today = service_today(self.settings)
        viewer = PUBLIC
        if user_id is not None:
            try:
                viewer = await self._load_viewer(user_id, today)
            except Exception as exc:
                if is_unavailable(exc):
                    raise DatabaseUnavailable from exc
                raise
        return Context(db=self.db, settings=self.settings, viewer=viewer, correlation_id=correlation_id, today=today)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        state: dict[str, Any] = request.scope.get("state", {})
        user_id = state.get("user_id")
        today = service_today(self.settings)
        viewer = PUBLIC
        if user_id is not None and request.scope["type"] == "http":
            try:
                viewer = await self.viewers.viewer(lambda: self._load_viewer(user_id, today), user_id, today)
            except Exception as exc:
                if is_unavailable(exc):
                    raise DatabaseUnavailable from exc
                raise
        return Context(
            db=self.db,
            settings=self.settings,
            viewer=viewer,
            correlation_id=state.get("correlation_id", "-"),
            today=today,
        )


def create_app(settings: Settings, db: Database | None = None) -> Any:
    settings.check_production()
    database = db or Database(settings.database_url)

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            async with database.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("database not ready: %s", exc)
            return JSONResponse({"status": "unavailable", "reason": "database unreachable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop_listener = await start_policy_listener(settings.database_url)
        stop_events = await start_event_listener(settings.database_url)
        try:
            yield
        finally:
            await stop_events()
            await stop_listener()
            forget_process()
            if db is None:
                await database.dispose()

    admission = Admission(settings.max_concurrent_requests, settings.admission_wait_seconds)
    token_refusals = TokenRefusals(settings, database)
    graphql = AsnflowGraphQL(database, settings, admission, token_refusals)
    watch_pool(database)
    # Outermost first (starlette's own error handling still wraps them all). The rate limit sits outside
    # admission: a refused token or an anonymous client over its rate never takes a place.
    middleware = [
        Middleware(RequestIdMiddleware),
        *([Middleware(AccessLogMiddleware)] if settings.access_log else []),
        Middleware(BodyLimitMiddleware, settings.max_body_bytes),
        Middleware(TokenMiddleware, settings, database, token_refusals),
        Middleware(
            AnonymousRateLimitMiddleware, rate=settings.anonymous_rate_per_second, burst=settings.anonymous_burst
        ),
        Middleware(
            AdmissionMiddleware,
            limit=settings.max_concurrent_requests,
            wait_seconds=settings.admission_wait_seconds,
            admission=admission,
        ),
    ]
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *console_routes(settings, database),
            *public_routes(settings, database),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
