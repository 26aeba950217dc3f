"""The live inbox: ``Subscription.taskAssigned`` and ``Subscription.requestChanged(id)`` (API.md).

Each committed change of a request reaches every subscription of every server process as an id
(server/events.py, server/event_listener.py). A subscription then decides alone what its viewer may
see, the way a query would at that moment: the viewer's grants are loaded again for every event, so a
revocation stops delivery at the next change, and

* ``requestChanged`` reloads the request through the read rule of ``Query.request`` (``readable_request``)
  and sends it only if the viewer may read it; an id the viewer cannot read is refused when subscribing
  with the same words as an id that does not exist;
* ``taskAssigned`` sends the request's open tasks that ``myTasks`` would now list for the viewer and that
  it has not sent yet, opened after the subscription began.

A subscription gives its admission place back once it is set up and takes one per event it works on
(schema/websocket.py). One that falls behind (its queue of ``subscription_queue_size`` changes full)
is ended with an ``UNAVAILABLE`` error telling the client to reload and subscribe again: subscriptions
are hints, and the reload (``myTasks``, ``request``) is the truth.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from functools import cached_property

import strawberry
from graphql import ExecutionResult, GraphQLError
from prometheus_client import Counter, Gauge
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from policies.viewer import PUBLIC, load_viewer
from schema.context import Context, Info
from schema.errors import PublicError
from schema.prefetch import root_selection
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.workflow import Task, WorkflowRequest
from schema.websocket import give_back_place, over_websocket, take_place
from schema.workflows import visible_request
from server import models
from server.clock import service_today
from server.events import BUS, Subscriber, SubscriberBehind
from server.ids import parse_row_id
from server.metrics import REGISTRY
from workflows.repository import lists

SUBSCRIPTIONS_OPEN = Gauge(
    "asnflow_subscriptions_open",
    "Subscriptions waiting for request changes, by field",
    ["subscription"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
SUBSCRIPTION_EVENTS = Counter(
    "asnflow_subscription_events_total",
    "Committed changes a subscription worked on: delivered, withheld (nothing its viewer may see) or behind",
    ["subscription", "outcome"],
    registry=REGISTRY,
)
OVER_HTTP_MESSAGE = (
    "subscriptions are served over WebSocket: open one to /graphql (graphql-transport-ws) and subscribe there"
)
BEHIND_MESSAGE = (
    "this subscription fell behind the changes and was ended; reload myTasks (or the request) and subscribe again"
)


async def readable_request(info: Info, request_id: int) -> models.WorkflowRequest | None:
    """The request if the viewer may read it now, by the read rule ``Query.request`` applies: subscriptions ask
    it through this function alone, so that when the rule moves (policies/) one line follows it."""
    return await visible_request(info.context, request_id)


async def _renew_viewer(ctx: Context) -> None:
    """The viewer as the database says now (grants, today), for this event and the fields resolved under it."""
    ctx.today = service_today(ctx.settings)
    if ctx.viewer.user_id is not None:
        async with ctx.db.read() as session:
            ctx.viewer = await load_viewer(session, ctx.viewer.user_id, ctx.today)
    else:
        ctx.viewer = PUBLIC
    for name, attribute in vars(Context).items():
        if isinstance(attribute, cached_property):
            ctx.__dict__.pop(name, None)  # scopes computed for the previous viewer


@contextlib.asynccontextmanager
async def _subscribed(ctx: Context, field: str, request_id: int | None = None) -> AsyncIterator[Subscriber]:
    """On the bus until the subscription ends; its admission place is given back once it is set up."""
    subscriber = BUS.subscribe(capacity=ctx.settings.subscription_queue_size, request_id=request_id)
    SUBSCRIPTIONS_OPEN.labels(field).inc()
    give_back_place()
    try:
        yield subscriber
    except SubscriberBehind:
        SUBSCRIPTION_EVENTS.labels(field, "behind").inc()
        raise PublicError(BEHIND_MESSAGE, code="UNAVAILABLE") from None
    finally:
        BUS.remove(subscriber)
        SUBSCRIPTIONS_OPEN.labels(field).dec()


async def _next_turn(subscriber: Subscriber, ctx: Context) -> int:
    """Wait for the next change, then for a place to work on it with the viewer renewed; the changed request's id."""
    change = await subscriber.next()
    while not await take_place():
        if subscriber.behind:
            raise SubscriberBehind
    await _renew_viewer(ctx)
    return change.request_id


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each task the viewer may now act on, as myTasks would list it, when a committed change opens "
        "it. A hint: on (re)connecting, reload myTasks."
    )
    async def task_assigned(self, info: Info) -> AsyncGenerator[Task, None]:
        if info.context.viewer.user_id is None:
            raise PublicError("sign in first: taskAssigned needs a bearer token in connection_init", code="FORBIDDEN")
        return _tasks_assigned(info)

    @strawberry.subscription(
        description="The request after each committed change, while the viewer may read it (an id they cannot "
        "read is refused as not found). A hint: on (re)connecting, reload the request."
    )
    async def request_changed(self, info: Info, id: strawberry.ID) -> AsyncGenerator[WorkflowRequest, None]:
        request_id = parse_row_id(id)
        if request_id is None or await readable_request(info, request_id) is None:
            raise PublicError(f"request {id} does not exist", code="NOT_FOUND")
        return _request_changes(info, request_id)


class SubscriptionsOverWebSocket(SchemaExtension):
    """Over HTTP a subscription would run as a query and fail obscurely ("Unexpected error."); it is answered
    with where subscriptions are served instead, having run nothing."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.operation_type is OperationType.SUBSCRIPTION and not over_websocket():
            error = GraphQLError(OVER_HTTP_MESSAGE, extensions={"code": "BAD_USER_INPUT"})
            context.result = ExecutionResult(data=None, errors=[error])
        yield


async def _tasks_assigned(info: Info) -> AsyncGenerator[Task, None]:
    ctx = info.context
    selection = root_selection(info)
    async with ctx.db.read() as session:
        floor = await lists.latest_task_id(session)
    sent: dict[int, set[int]] = {}  # per request, its open tasks already sent
    async with _subscribed(ctx, "taskAssigned") as subscriber:
        while True:
            request_id = await _next_turn(subscriber, ctx)
            async with ctx.db.read() as session:
                rows = await lists.new_tasks_for(session, ctx.viewer, request_id, after_id=floor)
                new = [row for row in rows if row.id not in sent.get(request_id, set())]
                prefetch = WorkflowPrefetch(session, ctx)
                tasks = await prefetch.task_objects(new, selection)
                await prefetch.tasks(tasks, selection)
            if rows:
                sent[request_id] = {row.id for row in rows}
            else:
                sent.pop(request_id, None)
            if not tasks:
                SUBSCRIPTION_EVENTS.labels("taskAssigned", "withheld").inc()
                give_back_place()
            for task in tasks:
                SUBSCRIPTION_EVENTS.labels("taskAssigned", "delivered").inc()
                yield task


async def _request_changes(info: Info, request_id: int) -> AsyncGenerator[WorkflowRequest, None]:
    ctx = info.context
    selection = root_selection(info)
    async with _subscribed(ctx, "requestChanged", request_id) as subscriber:
        while True:
            await _next_turn(subscriber, ctx)
            row = await readable_request(info, request_id)
            if row is None:
                SUBSCRIPTION_EVENTS.labels("requestChanged", "withheld").inc()
                give_back_place()
                continue
            request = WorkflowRequest.of(row)
            async with ctx.db.read() as session:
                await WorkflowPrefetch(session, ctx).requests([request], selection)
            SUBSCRIPTION_EVENTS.labels("requestChanged", "delivered").inc()
            yield request
