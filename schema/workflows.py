"""Root fields of the workflows: requests, the inbox, definitions, explanations, and the commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.scalars import JSON

from policies import read
from schema.connection import Connection, connection, page_size
from schema.context import Context, Info
from schema.errors import PublicError
from schema.metrics import record_command
from schema.prefetch import child, root_selection, selected
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.errors import user_errors
from schema.types.workflow import (
    Explanation,
    RequestKind,
    RequestPayload,
    WorkflowDefinition,
    WorkflowRequest,
)
from server import models
from server.ids import parse_row_id
from server.paging import CursorError, Page, count, keyset_page
from workflows import catalog, corrections, proposals, service
from workflows import queries as wq
from workflows.commands import CommandResult
from workflows.diagram import mermaid

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


async def _visible_request(info: Info, request_id: int) -> models.WorkflowRequest | None:
    """The request if the viewer may read it (``policies.read``); otherwise it reads as not found."""
    ctx = info.context
    async with ctx.db.read() as s:
        if not await read.may_read_request(s, ctx.viewer, request_id):
            return None
        return (await wq.requests_by_id(s, [request_id])).get(request_id)


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
        row = await _visible_request(info, request_id) if request_id is not None else None
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
        query = wq.requests_query(
            ctx.viewer,
            wq.RequestFilter(
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
        row = await _visible_request(info, rid) if rid is not None else None
        if row is None:
            return Explanation(allowed=False, reasons=[f"request {request_id} does not exist"])
        async with ctx.db.read() as s:
            standing = (await wq.standings(s, ctx.viewer, [row], ctx.today))[row.id]
            allowed, reasons = await wq.explain_with_guards(s, row, ctx.viewer, standing, action, ctx.today)
        return Explanation(allowed=allowed, reasons=reasons)


@strawberry.input
class ProposePlacementInput:
    employee_nip: str
    position_code: str
    effective_date: dt.date
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ProposeTransferInput:
    employee_nip: str
    target_position_code: str
    effective_date: dt.date
    reason: str | None = None
    exception_reason: str | None = strawberry.field(
        default=None, description="Why the transfer may go ahead before 2 years in post (recorded as a warning)."
    )
    idempotency_key: str | None = None


@strawberry.input(description="A transfer to another province: Jakarta releases, then records the outside answers.")
class ProposeTransferOutInput:
    employee_nip: str
    destination: str = strawberry.field(description="The receiving province or agency, e.g. 'Pemprov Jawa Barat'.")
    effective_date: dt.date
    reason: str | None = None
    exception_reason: str | None = strawberry.field(
        default=None, description="Why the transfer may go ahead before 2 years in post (recorded as a warning)."
    )
    idempotency_key: str | None = None


@strawberry.input
class ProposeRankPromotionInput:
    employee_nip: str
    effective_date: dt.date
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ProposePositionPromotionInput:
    employee_nip: str
    position_code: str
    effective_date: dt.date
    reason: str | None = None
    talent_box: int | None = strawberry.field(default=None, description="Box 1-9 of the talent pool's 9-box grid.")
    assessment_passed: bool = False
    idempotency_key: str | None = None


@strawberry.input
class StartEvaluationInput:
    employee_nip: str
    year: int
    idempotency_key: str | None = None


@strawberry.input
class CorrectEvaluationInput:
    """A correction of a final evaluation: the corrected ratings and why (another BKD official confirms it)."""

    employee_nip: str
    year: int
    result_rating: str
    behaviour_rating: str
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class ProposeTrainingInput:
    employee_nip: str
    title: str
    hours: int
    date: dt.date
    idempotency_key: str | None = None


@strawberry.input
class ActInput:
    request_id: strawberry.ID
    action: str
    comment: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None
    data: JSON | None = None


async def _payload(info: Info, result: CommandResult) -> RequestPayload:
    ctx: Context = info.context
    record_command(info.field_name, [e.code.value for e in result.errors])
    request: WorkflowRequest | None = None
    if result.request_id is not None:
        async with ctx.db.read() as s:
            row = (await wq.requests_by_id(s, [result.request_id])).get(result.request_id)
            if row is not None and (result.ok or await _visible_request(info, row.id) is not None):
                request = WorkflowRequest.of(row)
                await WorkflowPrefetch(s, ctx).requests([request], child(root_selection(info), "request"))
    return RequestPayload(request=request, errors=user_errors(result.errors))


async def _propose(info: Info, command: Callable[..., Awaitable[CommandResult]], input: object) -> RequestPayload:
    """Inputs are dataclasses whose fields are the command's keyword arguments, name for name."""
    c = info.context
    return await _payload(info, await command(c.db, c.viewer, **vars(input), today=c.today))


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation
    async def propose_placement(self, info: Info, input: ProposePlacementInput) -> RequestPayload:
        return await _propose(info, proposals.propose_placement, input)

    @strawberry.mutation
    async def propose_transfer(self, info: Info, input: ProposeTransferInput) -> RequestPayload:
        return await _propose(info, proposals.propose_transfer, input)

    @strawberry.mutation
    async def propose_transfer_out(self, info: Info, input: ProposeTransferOutInput) -> RequestPayload:
        return await _propose(info, proposals.propose_transfer_out, input)

    @strawberry.mutation
    async def propose_rank_promotion(self, info: Info, input: ProposeRankPromotionInput) -> RequestPayload:
        return await _propose(info, proposals.propose_rank_promotion, input)

    @strawberry.mutation
    async def propose_position_promotion(self, info: Info, input: ProposePositionPromotionInput) -> RequestPayload:
        return await _propose(info, proposals.propose_position_promotion, input)

    @strawberry.mutation
    async def start_evaluation(self, info: Info, input: StartEvaluationInput) -> RequestPayload:
        return await _propose(info, proposals.start_evaluation, input)

    @strawberry.mutation(
        description="Propose the correction of a final evaluation (BKD); it applies when another BKD official "
        "takes the `correct` step."
    )
    async def correct_evaluation(self, info: Info, input: CorrectEvaluationInput) -> RequestPayload:
        return await _propose(info, corrections.correct_evaluation_command, input)

    @strawberry.mutation
    async def propose_training(self, info: Info, input: ProposeTrainingInput) -> RequestPayload:
        return await _propose(info, proposals.propose_training, input)

    @strawberry.mutation
    async def act(self, info: Info, input: ActInput) -> RequestPayload:
        c = info.context
        rid = parse_row_id(input.request_id)
        if rid is None:
            raise PublicError(f"requestId: {input.request_id!r} is not a request id")
        data = input.data if isinstance(input.data, dict) else None
        if input.data is not None and data is None:
            raise PublicError('data: must be a JSON object, e.g. {"answer": "MS"}')
        if data is not None and _depth(data) > MAX_DATA_DEPTH:
            raise PublicError(
                f'data: nested more than {MAX_DATA_DEPTH} levels deep; step data is an object of named values, e.g. {{"answer": "MS"}}'
            )
        return await _payload(
            info,
            await service.act(
                c.db,
                c.viewer,
                request_id=rid,
                action=input.action,
                comment=input.comment,
                expected_version=input.expected_version,
                idempotency_key=input.idempotency_key,
                data=data,
                today=c.today,
            ),
        )
