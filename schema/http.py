"""Plain ASGI middleware (not BaseHTTPMiddleware, which breaks contextvars): request ids, body limits, tokens.

Order, outermost first: ``RequestIdMiddleware`` (sets the correlation id every log line and audit
event carries), ``BodyLimitMiddleware`` (413 before reading a huge body), ``TokenMiddleware`` (a bad or
expired bearer token is answered 401 here and audited; a good one leaves its user id in the scope).
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import graphql
import orjson

from server import request_context
from server.audit.writer import AuditEntry, append
from server.auth import TokenError, user_id_from_token
from server.db import Database
from server.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("asnflow.http")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        rid = given if given and _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_context.correlation_id.set(rid)
        peer = scope.get("client")
        client_token = request_context.client.set(str(peer[0]) if peer else None)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_context.client.reset(client_token)
            request_context.correlation_id.reset(token)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        too_big = {"errors": [{"message": f"request body exceeds the limit of {self.max_bytes} bytes"}]}
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await send_json(send, 413, too_big)
            return
        seen = 0
        exceeded = False

        async def limited() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                exceeded = True
                raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            # Once the body is too large, whatever the app tries to answer (a 500 from its error
            # handler) is dropped: the client gets the 413 below.
            if not exceeded:
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited, guarded)
        if exceeded:
            await send_json(send, 413, too_big)


class _BodyTooLarge(Exception):
    pass


class TokenMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, db: Database) -> None:
        self.app = app
        self.settings = settings
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user_id"] = None
        header = _header(scope, b"authorization")
        if header:
            scheme, _, token = header.partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise TokenError("the Authorization header must be 'Bearer <token>'")
                state["user_id"] = user_id_from_token(self.settings, token.strip())
            except TokenError as exc:
                await self._audit_rejection(str(exc))
                if scope["type"] == "http":
                    await send_json(
                        send,
                        401,
                        {"errors": [{"message": str(exc)}]},
                        [(b"www-authenticate", b'Bearer error="invalid_token"')],
                    )
                else:
                    await send({"type": "websocket.close", "code": 4401, "reason": str(exc)})
                return
        await self.app(scope, receive, send)

    async def _audit_rejection(self, reason: str) -> None:
        try:
            async with self.db.write() as session:
                await append(
                    session,
                    [
                        AuditEntry(
                            actor="anonymous",
                            action="auth.token_rejected",
                            entity_type="token",
                            entity_id="-",
                            comment=reason,
                        )
                    ],
                )
        except Exception:
            log.exception("could not audit a rejected token")


def is_mutation_over_get(scope: Scope) -> bool:
    """A GET whose chosen operation is a mutation (or subscription): GraphQL over HTTP wants 405 for it.

    Only GETs with a parsable ``query`` are looked at; anything else is left to strawberry's own answers.
    """
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    queries = params.get("query")
    if not queries:
        return False
    try:
        document = graphql.parse(queries[0], max_tokens=10_000)
    except graphql.GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    wanted = (params.get("operationName") or [None])[0]
    chosen = [o for o in operations if wanted is None or (o.name is not None and o.name.value == wanted)]
    if len(chosen) != 1:
        return False
    return chosen[0].operation != graphql.OperationType.QUERY
