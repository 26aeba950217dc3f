"""GraphQL over WebSocket (``graphql-transport-ws`` on ``/graphql``): sessions that cannot outlive their token.

A WebSocket lives for hours; a bearer token for at most ``token_max_lifetime_seconds``, and a role
grant until an administrator revokes it. So the session is checked per operation, not per
connection:

* The token comes in the handshake's ``Authorization`` header or in the ``connection_init`` payload
  (``{"Authorization": "Bearer <JWT>"}``), checked exactly as over HTTP. A bad one closes the socket
  with **4401**; a header and a payload naming two different users, **4400**.
* The socket is closed with **4401** ("the bearer token has expired") the moment the token expires,
  idle or not; an operation arriving after that instant is never run.
* Each operation gets a fresh context: the viewer's grants loaded again from the database (no
  cache), so a revocation applies to the very next operation, and its own correlation id.
* Each operation waits for a place in the admission queue shared with HTTP (schema/admission.py) and
  gives it back when its first message is sent; one that waits too long is answered with an
  ``UNAVAILABLE`` error, having done nothing. A subscription gives its place back once it is set up
  (``give_back_place``) and takes one again for each event it works on (``take_place``).
* A message larger than ``max_ws_message_bytes`` closes the socket with **1009** (message too big)
  before it is parsed (``limit_messages``).

Strawberry's handler is extended only through its public methods (``on_request_accepted``,
``handle_connection_init``, ``handle_subscribe``, ``run_operation``, ``send_message``, ``shutdown``)
and the view's ``graphql_transport_ws_handler_class`` and ``websocket_adapter_class`` (text frames). The legacy ``graphql-ws`` protocol is not
offered (its handler has none of these checks): such clients are closed with 4406.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from schema.admission import BUSY_MESSAGE, Admission
from schema.errors import DatabaseUnavailable
from schema.http import Message as ASGIMessage
from schema.http import Receive, Send, TokenRefusals, close_reason
from server import request_context
from server.auth import TokenError, bearer_header, verify_token
from server.settings import Settings

if TYPE_CHECKING:
    from schema.context import Context

log = logging.getLogger("asnflow.websocket")

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_BIG = 1009
EXPIRED_REASON = "the bearer token has expired; ask for a new one and reconnect"


class SessionView(Protocol):
    """What the handler needs of the GraphQL view (schema/app.py's ``AsnflowGraphQL``)."""

    settings: Settings
    admission: Admission
    token_refusals: TokenRefusals

    async def operation_context(self, user_id: str | None, correlation_id: str) -> Context: ...


@dataclass
class _Running:
    """The operation this task runs: its context, and its admission place until its first message."""

    context: Context
    admission: Admission
    holds_place: bool = field(default=True)

    def release(self) -> None:
        if self.holds_place:
            self.holds_place = False
            self.admission.leave()


_running: ContextVar[_Running | None] = ContextVar("asnflow_ws_operation", default=None)


class SessionHandler(BaseGraphQLTransportWSHandler["Context", None]):
    """strawberry's graphql-transport-ws handler with a session bound to the token and re-checked per operation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state: dict[str, Any] = cast(ASGIWebSocketAdapter, self.websocket).ws.scope.get("state", {})
        self.session_view = cast(SessionView, self.view)
        self.user_id: str | None = state.get("user_id")
        self.expires_at: int | None = state.get("token_expires_at")
        self.expiry_task: asyncio.Task[None] | None = None

    # The context strawberry hands to an operation is the one of the task running it (``_running``);
    # the connection's own context is used for nothing but strawberry's bookkeeping.
    @property
    def context(self) -> Context:
        running = _running.get()
        return running.context if running is not None else self._connection_context

    @context.setter
    def context(self, value: Context) -> None:
        self._connection_context = value

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self._watch_expiry()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload")
        given = _payload_authorization(payload)
        if given is not None and not self.connection_init_received:
            try:
                token = bearer_header(
                    [(b"authorization", given.encode("utf-8", "replace"))], self.session_view.settings
                )
                claims = verify_token(self.session_view.settings, token or "")
            except TokenError as exc:
                log.warning("WebSocket connection_init refused: %s", exc)
                client = cast(ASGIWebSocketAdapter, self.websocket).ws.scope.get("client")
                await self.session_view.token_refusals.refused(str(exc), client)
                await self.websocket.close(CLOSE_UNAUTHORIZED, close_reason(str(exc)))
                return
            if self.user_id is not None and self.user_id != claims.user_id:
                reason = "the handshake header and connection_init name two different users; send one token"
                await self.websocket.close(CLOSE_BAD_REQUEST, reason)
                return
            self.user_id, self.expires_at = claims.user_id, claims.expires_at
            self._watch_expiry()
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and self._expired():
            await self.websocket.close(CLOSE_UNAUTHORIZED, EXPIRED_REASON)
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        admission = self.session_view.admission
        if not await admission.enter():
            await operation.send_initial_errors([GraphQLError(BUSY_MESSAGE, extensions={"code": "UNAVAILABLE"})])
            return
        running: _Running | None = None
        try:
            if self._expired():  # it may have expired while the operation waited for its place
                await self.websocket.close(CLOSE_UNAUTHORIZED, EXPIRED_REASON)
                return
            correlation_id = uuid.uuid4().hex
            request_context.correlation_id.set(correlation_id)  # this operation's task only
            try:
                context = await self.session_view.operation_context(self.user_id, correlation_id)
            except DatabaseUnavailable:
                error = GraphQLError(
                    "the database is unreachable; retry in a moment", extensions={"code": "UNAVAILABLE"}
                )
                await operation.send_initial_errors([error])
                return
            running = _Running(context, admission)
            _running.set(running)
            await super().run_operation(operation)
        finally:
            if running is not None:
                running.release()
            else:
                admission.leave()

    async def send_message(self, message: Message) -> None:
        running = _running.get()
        if running is not None:
            running.release()  # the first message of an operation ends its turn, like an HTTP response start
        await super().send_message(message)

    async def shutdown(self) -> None:
        if self.expiry_task is not None:
            self.expiry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.expiry_task
        await super().shutdown()

    def _expired(self) -> bool:
        return self.expires_at is not None and time.time() >= self.expires_at

    def _watch_expiry(self) -> None:
        """Close the socket when the token expires, whether or not anything is running."""
        if self.expires_at is None:
            return
        if self.expiry_task is not None:
            self.expiry_task.cancel()
        self.expiry_task = asyncio.create_task(self._close_at(self.expires_at))

    async def _close_at(self, expires_at: int) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        log.info("closing a WebSocket session of %s: its token expired", self.user_id)
        with contextlib.suppress(Exception):
            await self.websocket.close(CLOSE_UNAUTHORIZED, EXPIRED_REASON)


def over_websocket() -> bool:
    """Whether the code runs in an operation of a WebSocket session (subscriptions run nowhere else)."""
    return _running.get() is not None


def give_back_place() -> None:
    """The running operation gives back its admission place now: a subscription, once set up, waits for
    events holding nothing (schema/subscriptions.py); without it every open subscription kept a place."""
    running = _running.get()
    if running is not None:
        running.release()


async def take_place() -> bool:
    """The running operation takes a place again to work on an event, and gives it back when its next message
    is sent (or by ``give_back_place``); False when none came free in time (the event waits for the next try)."""
    running = _running.get()
    if running is None or running.holds_place:
        return True
    if not await running.admission.enter():
        return False
    running.holds_place = True
    return True


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Messages go out as text frames, as graphql-transport-ws requires, though the view encodes JSON to bytes."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def _payload_authorization(payload: object) -> str | None:
    """The ``Authorization`` value of a connection_init payload (the key in any letter case), if any."""
    if not isinstance(payload, dict):
        return None
    for key, value in payload.items():
        if isinstance(key, str) and key.lower() == "authorization":
            return value if isinstance(value, str) else ""
    return None


def limit_messages(receive: Receive, send: Send, max_bytes: int) -> Callable[[], Awaitable[ASGIMessage]]:
    """``receive`` for a WebSocket whose messages over ``max_bytes`` close it with 1009 before anyone reads them."""

    async def limited() -> ASGIMessage:
        message = await receive()
        if message["type"] != "websocket.receive":
            return message
        text, data = message.get("text"), message.get("bytes")
        size = len(text.encode()) if text is not None else len(data or b"")
        if size <= max_bytes:
            return message
        log.warning("closing a WebSocket: a message of %d bytes is over the limit of %d", size, max_bytes)
        reason = f"a message may be at most {max_bytes} bytes (ASNFLOW_MAX_WS_MESSAGE_BYTES)"
        await send({"type": "websocket.close", "code": CLOSE_TOO_BIG, "reason": reason})
        return {"type": "websocket.disconnect", "code": CLOSE_TOO_BIG}

    return limited
