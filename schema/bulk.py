"""Bulk decisions: ``actMany`` (API.md) and ``proposeRankPromotions``, each item its own command (workflows/bulk.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry

from schema.context import Info
from schema.metrics import record_bulk
from schema.prefetch import child, root_selection
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.errors import UserError, user_errors
from schema.types.workflow import RequestPayload, WorkflowRequest
from schema.workflows import MAX_DATA_DEPTH, ActInput, _depth
from server.commands import CommandResult
from server.errors import CommandRefused, validation
from server.ids import parse_row_id
from workflows import bulk
from workflows.repository import lists


@strawberry.input
class ActManyInput:
    items: list[ActInput]


@strawberry.type
class ActManyPayload:
    results: list[RequestPayload]
    errors: list[UserError]


@strawberry.input
class ProposeRankPromotionsInput:
    period: dt.date
    unit_code: str | None = None
    first: int | None = None
    after: str | None = None
    reason: str | None = None


@strawberry.type
class RankPromotionProposal:
    employee_nip: str
    request: WorkflowRequest | None
    errors: list[UserError]


@strawberry.type
class ProposeRankPromotionsPayload:
    results: list[RankPromotionProposal]
    has_more: bool
    end_cursor: str | None
    errors: list[UserError]


async def _payloads(info: Info, results: Sequence[CommandResult]) -> list[RequestPayload]:
    """``act``'s payload for each result, read in a fixed number of statements for the whole batch: a request
    shown when its item succeeded or the viewer may read it (a refused item outside their scope shows none)."""
    ctx = info.context
    ids = sorted({r.entity_id for r in results if r.entity_id is not None})
    shown: dict[int, WorkflowRequest] = {}
    if ids:
        async with ctx.db.read() as s:
            rows = await lists.requests_by_id(s, ids)
            readable = await lists.readable_among(s, ctx.viewer, ids)
            wanted = {r.entity_id for r in results if r.entity_id is not None and (r.ok or r.entity_id in readable)}
            shown = {rid: WorkflowRequest.of(rows[rid]) for rid in sorted(wanted) if rid in rows}
            selection = child(child(root_selection(info), "results"), "request")
            await WorkflowPrefetch(s, ctx).requests(list(shown.values()), selection)
    return [
        RequestPayload(
            request=shown.get(r.entity_id) if r.entity_id is not None else None, errors=user_errors(r.errors)
        )
        for r in results
    ]


def _item(index: int, given: ActInput) -> bulk.ActItem:
    """The command an input item asks for, or the input error (naming the item) that keeps it from running."""
    where = f"items[{index}]"
    rid = parse_row_id(given.request_id)
    data: Any = given.data
    problem = None
    if rid is None:
        problem = validation(f"{where}.requestId", f"{given.request_id!r} is not a request id")
    elif data is not None and not isinstance(data, dict):
        problem = validation(f"{where}.data", 'must be a JSON object, e.g. {"answer": "MS"}')
    elif data is not None and _depth(data) > MAX_DATA_DEPTH:
        problem = validation(f"{where}.data", f"nested more than {MAX_DATA_DEPTH} levels deep")
    return bulk.ActItem(
        request_id=rid,
        action=given.action,
        comment=given.comment,
        expected_version=given.expected_version,
        idempotency_key=given.idempotency_key,
        data=data if isinstance(data, dict) else None,
        problem=problem,
    )


@strawberry.type
class BulkMutation:
    @strawberry.mutation
    async def act_many(self, info: Info, input: ActManyInput) -> ActManyPayload:
        c = info.context
        try:
            bulk.check_count(len(input.items), "items")
        except CommandRefused as refused:
            record_bulk("actMany", 0)
            return ActManyPayload(results=[], errors=user_errors(refused.errors))
        items = [_item(i, given) for i, given in enumerate(input.items)]
        results = await bulk.act_many(c.db, c.viewer, items, today=c.today)
        record_bulk("actMany", len(results))
        return ActManyPayload(results=await _payloads(info, results), errors=[])

    @strawberry.mutation
    async def propose_rank_promotions(
        self, info: Info, input: ProposeRankPromotionsInput
    ) -> ProposeRankPromotionsPayload:
        c = info.context
        try:
            done = await bulk.propose_period(
                c.db,
                c.viewer,
                period=input.period,
                today=c.today,
                unit_code=input.unit_code,
                first=bulk.MAX_ITEMS if input.first is None else input.first,
                after=input.after,
                reason=input.reason,
            )
        except CommandRefused as refused:
            record_bulk("proposeRankPromotions", 0)
            return ProposeRankPromotionsPayload(
                results=[], has_more=False, end_cursor=None, errors=user_errors(refused.errors)
            )
        record_bulk("proposeRankPromotions", len(done.results))
        payloads = await _payloads(info, [result for _, result in done.results])
        results = [
            RankPromotionProposal(employee_nip=nip, request=p.request, errors=p.errors)
            for (nip, _), p in zip(done.results, payloads, strict=True)
        ]
        return ProposeRankPromotionsPayload(
            results=results, has_more=done.has_more, end_cursor=done.end_cursor, errors=[]
        )
