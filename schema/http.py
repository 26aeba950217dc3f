"""Plain ASGI middleware (not BaseHTTPMiddleware, which breaks contextvars): request ids, body limits, tokens.

Order, outermost first: ``RequestIdMiddleware`` (sets the server's correlation id every log line and
audit event carries, and keeps a client's ``X-Request-Id`` beside it), the access line (schema/access.py),
``BodyLimitMiddleware`` (413 before reading a huge body), ``TokenMiddleware`` (a bad or expired bearer token is answered 401 here
and audited, two Authorization headers 400, an oversized one 431; a good token leaves its user id and
expiry in the scope).
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qs

import graphql
import orjson

from schema.metrics import TOKEN_REJECTIONS
from server import request_context
from server.audit.flood import FloodGate
from server.audit.writer import AuditEntry, append
from server.auth import TokenError, VerifiedTokens, bearer_header
from server.db import Database
from server.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("asnflow.http")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]")
MAX_CLIENT_ID_CHARS = 64


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
        rid = uuid.uuid4().hex
        client_rid = client_request_id(_header(scope, b"x-request-id"))
        token = request_context.correlation_id.set(rid)
        client_token = request_context.client_request_id.set(client_rid)
        state = scope.setdefault("state", {})
        state["correlation_id"], state["client_request_id"] = rid, client_rid
        extra = [(b"x-request-id", rid.encode())]
        if client_rid is not None:
            extra.append((b"x-client-request-id", client_rid.encode()))
        peer = scope.get("client")
        peer_token = request_context.client.set(str(peer[0]) if peer else None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_context.client_request_id.reset(client_token)
            request_context.client.reset(peer_token)
            request_context.correlation_id.reset(token)


def client_request_id(given: str | None) -> str | None:
    """A client's ``X-Request-Id`` made safe to log: letters, digits and ``._-`` kept, at most 64 of them.

    It is recorded beside the server's own correlation id (log lines, the ``X-Client-Request-Id``
    response header), never instead of it: a client choosing the id could otherwise merge its requests
    with someone else's in the logs and the audit trail.
    """
    if not given:
        return None
    kept = _UNSAFE_ID_CHARS.sub("", given)[:MAX_CLIENT_ID_CHARS]
    return kept or None


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


class TokenRefusals:
    """One place for a refused bearer token, over HTTP or in a WebSocket's ``connection_init``: counted in
    ``/metrics`` every time, audited under flood control (at most one ``auth.token_rejected`` event per
    client address per ``ASNFLOW_TOKEN_REJECTION_AUDIT_SECONDS``, carrying the count). Both paths share one
    instance, so a client cannot double its audit rows by alternating them."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.db = db
        self.gate = FloodGate(window_seconds=settings.token_rejection_audit_seconds)

    async def refused(self, reason: str, client: Sequence[Any] | None) -> None:
        TOKEN_REJECTIONS.inc()
        source = str(client[0]) if client else "-"
        unwritten = self.gate.admit(source)
        if unwritten is not None:
            await self._audit(reason, source, unwritten + 1)

    async def _audit(self, reason: str, source: str, count: int) -> None:
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
                            after={"source": source, "refusals": count},
                            comment=f"{reason} ({count} refused from {source} since this source's last event)",
                        )
                    ],
                )
        except Exception:
            log.exception("could not audit a rejected token")


class TokenMiddleware:
    """A refused token is answered 401 (HTTP) or a 4401 close (WebSocket handshake), and handed to
    ``TokenRefusals`` to be counted and audited."""

    def __init__(self, app: ASGIApp, settings: Settings, db: Database, refusals: TokenRefusals | None = None) -> None:
        self.app = app
        self.settings = settings
        self.db = db
        self.refusals = refusals or TokenRefusals(settings, db)
        self.tokens = VerifiedTokens(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user_id"] = None
        try:
            token = bearer_header(scope.get("headers", []), self.settings)
            if token is not None:
                claims = self.tokens.verify(token)
                state["user_id"], state["token_expires_at"] = claims.user_id, claims.expires_at
        except TokenError as exc:
            await self.refusals.refused(str(exc), scope.get("client"))
            if scope["type"] == "http":
                await send_json(
                    send,
                    exc.status,
                    {"errors": [{"message": str(exc)}]},
                    [(b"www-authenticate", b'Bearer error="invalid_token"')] if exc.status == 401 else [],
                )
            else:
                await send({"type": "websocket.close", "code": 4000 + exc.status, "reason": close_reason(str(exc))})
            return
        await self.app(scope, receive, send)


def close_reason(text: str) -> str:
    """A WebSocket close reason fits in 123 bytes of UTF-8 (RFC 6455, 5.5): longer ones are cut."""
    return text.encode()[:123].decode(errors="ignore")


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
