"""Root fields of the workflows: requests, the inbox, definitions, explanations, and the commands."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.name_converter import NameConverter
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition
from strawberry.types.nodes import Selection
from strawberry.types.private import is_private

from policies import read
from schema.connection import Connection, connection, page_size
from schema.context import Context, Info
from schema.errors import PublicError
from schema.plan.settled import settled
from schema.prefetch import child, root_selection, selected
from schema.prefetch_workflow import WorkflowPrefetch
from schema.proposal_api import proposal_mutations
from schema.types.errors import user_errors
from schema.types.workflow import (
    Explanation,
    RequestKind,
    RequestPayload,
    WorkflowDefinition,
    WorkflowRequest,
)
from server import models
from server.commands import CommandResult
from server.errors import UserError, validation
from server.ids import parse_row_id
from server.paging import CursorError, Page, count, keyset_page
from workflows import catalog, service
from workflows import queries as wq
from workflows.diagram import mermaid
from workflows.repository import lists

MAX_DATA_DEPTH = 8


def _depth(value: object, limit: int = MAX_DATA_DEPTH + 1) -> int:
    """How deep ``value`` nests, counted up to ``limit`` (a 500-deep value once broke the input hash)."""
    if limit <= 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in items), default=0)


@strawberry.input
class RequestFilter:
    kind: RequestKind | None = None
    state: str | None = None
    subject_nip: str | None = None
    unit_code: str | None = None
    terminal: bool | None = None


async def visible_request(ctx: Context, request_id: int) -> models.WorkflowRequest | None:
    """The request if the viewer may read it (``policies.read``); otherwise it reads as not found."""
    async with ctx.db.read() as s:
        if not await read.may_read_request(s, ctx.viewer, request_id):
            return None
        return (await lists.requests_by_id(s, [request_id])).get(request_id)


async def _page(info: Info, query: Any, key: Any, first: int | None, after: str | None) -> tuple[Page[Any], int]:
    wants_total = "totalCount" in selected(root_selection(info))
    return await page_of(info.context, query, key, first, after, wants_total)


async def page_of(
    ctx: Context, query: Any, key: Any, first: int | None, after: str | None, wants_total: bool
) -> tuple[Page[Any], int]:
    """A newest-first keyset page of ``query``, with its total count when asked."""
    size = page_size(first, ctx.settings)
    async with ctx.db.read() as s:
        try:
            page: Page[Any] = await keyset_page(s, query, key, first=size, after=after, descending=True)
        except CursorError as exc:
            raise PublicError(str(exc)) from None
        total = await count(s, query) if wants_total else -1
    return page, total


@strawberry.type
class WorkflowQuery:
    @strawberry.field
    async def request(self, info: Info, id: strawberry.ID) -> WorkflowRequest | None:
        request_id = parse_row_id(id)
        row = await visible_request(info.context, request_id) if request_id is not None else None
        if row is None:
            return None
        obj = WorkflowRequest.of(row)
        async with info.context.db.read() as s:
            await WorkflowPrefetch(s, info.context).requests([obj], root_selection(info))
        return obj

    @strawberry.field
    async def requests(
        self, info: Info, filter: RequestFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[WorkflowRequest]:
        ctx = info.context
        flt = filter or RequestFilter()
        query = lists.readable_requests(
            ctx.viewer,
            lists.RequestFilter(
                flt.kind.value if flt.kind else None, flt.state, flt.subject_nip, flt.unit_code, flt.terminal
            ),
        )
        page, total = await _page(info, query, models.WorkflowRequest.id, first, after)
        nodes = [WorkflowRequest.of(r) for r in page.rows]
        async with ctx.db.read() as s:
            await WorkflowPrefetch(s, ctx).requests(nodes, child(child(root_selection(info), "edges"), "node"))
        return connection(nodes, page, total=total, after=after)

    @strawberry.field
    def workflow_definitions(self, all_versions: bool = False) -> list[WorkflowDefinition]:
        definitions = catalog.all_definitions() if all_versions else catalog.current_definitions()
        return [
            WorkflowDefinition(
                kind=RequestKind(d.kind),
                version=d.version,
                title=d.title,
                states=list(d.states),
                terminal_states=sorted(d.terminal_states),
                actions=sorted(d.action_names()),
                diagram=mermaid(d),
            )
            for d in definitions
        ]

    @strawberry.field(
        description="Whether the viewer may take the action on the request now (its state, the viewer's right, and "
        "its guards on the request's effective date), and why."
    )
    async def explain(self, info: Info, action: str, request_id: strawberry.ID) -> Explanation:
        ctx = info.context
        rid = parse_row_id(request_id)
        row = await visible_request(ctx, rid) if rid is not None else None
        if row is None:
            return Explanation(allowed=False, reasons=[f"request {request_id} does not exist"])
        async with ctx.db.read() as s:
            standing = (await wq.standings(s, ctx.viewer, [row], ctx.today))[row.id]
            allowed, reasons = await wq.explain_with_guards(s, row, ctx.viewer, standing, action, ctx.today)
        return Explanation(allowed=allowed, reasons=reasons)


@strawberry.input
class ActInput:
    request_id: strawberry.ID
    action: str
    comment: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    data: JSON | None = None


def _act_input_errors(input: ActInput, rid: int | None, data: dict[str, Any] | None) -> list[UserError]:
    """``act``'s input that no command could take, answered in the payload like every other VALIDATION."""
    if rid is None:
        return [validation("requestId", f"requestId: {input.request_id!r} is not a request id")]
    if input.data is not None and data is None:
        return [validation("data", 'data: must be a JSON object, e.g. {"answer": "MS"}')]
    if data is not None and _depth(data) > MAX_DATA_DEPTH:
        message = (
            f"data: nested more than {MAX_DATA_DEPTH} levels deep; step data is an object of named values, "
            'e.g. {"answer": "MS"}'
        )
        return [validation("data", message)]
    return []


@functools.cache
def _row_fields(converter: NameConverter) -> frozenset[str]:
    """The request's fields a row answers by itself (no resolver: nothing for the prefetch to fill)."""
    fields = get_object_definition(WorkflowRequest, strict=True).fields
    plain = [f for f in fields if f.base_resolver is None and not is_private(f.type)]
    return frozenset({"__typename", *(converter.get_graphql_name(f) for f in plain)})


def _answered_by_row(
    asked: list[Selection], converter: NameConverter, result: CommandResult
) -> models.WorkflowRequest | None:
    """The request the command stored, when the payload asks only what its row says (``act { request { id state
    version } }``): then nothing is read back after the commit."""
    stored = result.stored
    if not result.ok or not isinstance(stored, models.WorkflowRequest):
        return None
    return stored if selected(child(asked, "request")).keys() <= _row_fields(converter) else None


async def payload_of(
    ctx: Context, result: CommandResult, asked: list[Selection], converter: NameConverter
) -> RequestPayload:
    """A command's answer for the payload selection ``asked`` (the selections under the mutation's field)."""
    request: WorkflowRequest | None = None
    if (stored := _answered_by_row(asked, converter, result)) is not None:
        request = WorkflowRequest.of(stored)
    elif result.entity_id is not None:
        async with ctx.db.read() as s:
            row = (await lists.requests_by_id(s, [result.entity_id])).get(result.entity_id)
            if row is not None and (result.ok or await visible_request(ctx, row.id) is not None):
                request = WorkflowRequest.of(row)
                await WorkflowPrefetch(s, ctx).requests([request], child(asked, "request"))
    return RequestPayload(request=request, errors=user_errors(result.errors))


async def _payload(info: Info, result: CommandResult) -> RequestPayload:
    return await payload_of(info.context, result, root_selection(info), info.schema.config.name_converter)


async def act_payload(
    ctx: Context, input: ActInput, asked: list[Selection], converter: NameConverter
) -> RequestPayload:
    """``act``: the command for ``input``, answered for the payload selection ``asked``. The resolver and the
    compiled path (schema/plan/command.py) both call this."""
    rid = parse_row_id(input.request_id)
    data = input.data if isinstance(input.data, dict) else None
    shape = _act_input_errors(input, rid, data)
    if shape:
        return RequestPayload(request=None, errors=user_errors(shape))
    assert rid is not None
    result = await service.act(
        ctx.db,
        ctx.viewer,
        request_id=rid,
        action=input.action,
        comment=input.comment,
        expected_version=input.expected_version,
        idempotency_key=input.idempotency_key,
        data=data,
        today=ctx.today,
    )
    return await payload_of(ctx, result, asked, converter)


@strawberry.type
class ActMutation:
    @strawberry.mutation
    async def act(self, info: Info, input: ActInput) -> RequestPayload:
        # answered already when the compiled path ran the command and then handed the response to graphql-core
        return await settled(
            info, lambda: act_payload(info.context, input, root_selection(info), info.schema.config.name_converter)
        )


# The proposal mutations (proposePlacement, ...) come from the definitions; ``act`` is the same for every kind.
WorkflowMutation = merge_types("WorkflowMutation", (proposal_mutations(_payload), ActMutation))
