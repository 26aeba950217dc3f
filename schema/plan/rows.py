"""The compiled path's fetch: column subsets read as Core rows, no ORM entity loaded (issue 13 item 3).

The statements are the graphql-core path's (the same ``positions_query`` and ``filtered_tasks_query``,
so the same authorization clauses of policies/read.py in SQL, the same keyset order and cursors), with
the entity swapped for the columns the objects need: ``with_only_columns`` on the page, and
``RowPrefetch`` overriding the row hooks of ``Prefetch`` for the nested levels. A page's position
columns follow its selection; a holder read as a card reads only the card's columns (``card_only``);
a request reads the columns of its selected fields while only plain fields and the registry objects
hanging off it are selected (else the ORM row the workflow functions take, as before). The request and
task statements live here for now: workflows/repository.py is moving (issue 13, another change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from strawberry.scalars import JSON
from strawberry.types.nodes import Selection

from schema.connection import Connection, connection, page_size
from schema.context import Context
from schema.prefetch import selected
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.registry import Position, Unit
from schema.types.workflow import RequestKind, Task, WorkflowRequest, _utc
from server import models
from server.paging import Page, count, cursor_key, encode_cursor, ordered_after, split_page
from server.registry import queries as q
from server.sql import one_of
from workflows import inbox

P, U, E, T, R = models.Position, models.Unit, models.Employee, models.Task, models.WorkflowRequest

UNIT_COLUMNS = (U.id, U.code, U.name, U.kind, U.parent_id)
# A position's GraphQL fields and the columns they read (id, code and unit_id are always read).
POSITION_FIELDS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "title": (P.title,),
    "type": (P.type,),
    "positionType": (P.type,),
    "quota": (P.quota,),
    "vacancies": (P.quota,),
    "jobClass": (P.job_class,),
    "minEducation": (P.min_education,),
    "minRank": (P.min_rank,),
    "maxRank": (P.max_rank,),
}
POSITION_ALWAYS = (P.id, P.code, P.unit_id)
POSITION_COLUMNS = POSITION_ALWAYS + tuple(dict.fromkeys(c for cs in POSITION_FIELDS.values() for c in cs))
CARD_COLUMNS = (E.id, E.nip, E.name, E.rank_code)
FILE_COLUMNS = (*CARD_COLUMNS, E.birth_date, E.gender, E.employment_type, E.education, E.status, E.rank_since)
TASK_COLUMNS = (T.id, T.request_id, T.step, T.role, T.unit_id, T.assignee_user_id, T.due_at, T.opened_at)
# A request's fields answered from its own columns or the registry levels (anything else: the ORM row).
REQUEST_FIELDS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "__typename": (),
    "id": (),
    "kind": (R.kind,),
    "state": (R.state,),
    "version": (R.version,),
    "terminal": (R.terminal,),
    "effectiveDate": (R.effective_date,),
    "createdAt": (R.created_at,),
    "updatedAt": (R.updated_at,),
    "proposedBy": (R.proposed_by,),
    "definitionVersion": (R.definition_version,),
    "reason": (R.reason,),
    "ruleVersions": (R.rule_versions,),
    "rules": (R.rule_versions,),
    "subject": (R.subject_employee_id,),
    "position": (R.position_id,),
    "originPosition": (R.origin_position_id,),
}


def position_columns(selections: Iterable[Selection]) -> tuple[InstrumentedAttribute[Any], ...]:
    fields = selected(selections)
    if fields.keys() - POSITION_FIELDS.keys() - {"__typename", "id", "code", "unit", "holders"}:
        return POSITION_COLUMNS
    return POSITION_ALWAYS + tuple(dict.fromkeys(c for name in fields for c in POSITION_FIELDS.get(name, ())))


def position_of(row: Row[Any]) -> Position:
    """A position from a row of ``position_columns``: a field not read is never completed, so it is None."""
    m: Any = row._mapping  # a field not selected reads None: never completed
    return Position(
        code=m["code"],
        title=m.get("title"),
        type=m.get("type"),
        quota=m.get("quota"),
        job_class=m.get("job_class"),
        min_education=m.get("min_education"),
        min_rank=m.get("min_rank"),
        max_rank=m.get("max_rank"),
        id_=m["id"],
        unit_id=m["unit_id"],
    )


def request_of(row: Row[Any]) -> WorkflowRequest:
    """``WorkflowRequest.of`` for a row of the columns its selection reads."""
    m: Any = row._mapping  # a field not selected reads None: never completed
    kind = m.get("kind")
    return WorkflowRequest(
        id=strawberry.ID(str(m["id"])),
        kind=RequestKind(kind) if kind is not None else cast(RequestKind, None),
        state=m.get("state"),
        version=m.get("version"),
        terminal=m.get("terminal"),
        effective_date=m.get("effective_date"),
        created_at=cast(Any, _utc(m.get("created_at"))),
        updated_at=cast(Any, _utc(m.get("updated_at"))),
        proposed_by=m.get("proposed_by"),
        definition_version=m.get("definition_version"),
        reason=m.get("reason"),
        rule_versions=cast(JSON, dict(m.get("rule_versions") or {})),
        row=cast(models.WorkflowRequest, row),
    )


async def _rows(session: AsyncSession, columns: Sequence[Any], key: Any, ids: Iterable[int]) -> list[Row[Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list((await session.execute(select(*columns).where(one_of(session, key, wanted)))).all())


class RowPrefetch(WorkflowPrefetch):
    """``WorkflowPrefetch`` reading Core rows of column subsets; the same statements' WHERE, the same objects."""

    async def unit_objects(self, ids: Iterable[int]) -> dict[int, Unit]:
        rows = await _rows(self.session, UNIT_COLUMNS, U.id, ids)
        return {r.id: Unit(code=r.code, name=r.name, kind=r.kind, id_=r.id, parent_id=r.parent_id) for r in rows}

    async def position_objects(self, ids: Iterable[int]) -> dict[int, Position]:
        return {r.id: position_of(r) for r in await _rows(self.session, POSITION_COLUMNS, P.id, ids)}

    async def employee_rows(self, ids: Iterable[int], *, card_only: bool) -> Mapping[int, Any]:
        return {r.id: r for r in await _rows(self.session, CARD_COLUMNS if card_only else FILE_COLUMNS, E.id, ids)}

    async def request_objects(self, ids: Sequence[int], selections: Iterable[Selection]) -> dict[int, WorkflowRequest]:
        fields = selected(selections)
        if fields.keys() - REQUEST_FIELDS.keys():
            return await super().request_objects(ids, selections)
        columns = dict.fromkeys((R.id, *(c for name in fields for c in REQUEST_FIELDS[name])))
        return {r.id: request_of(r) for r in await _rows(self.session, list(columns), R.id, ids)}


async def _page(
    session: AsyncSession, query: Any, key: Any, first: int, after: str | None, descending: bool
) -> Page[Row[Any]]:
    """``server.paging.keyset_page`` for a select of columns: rows, not entities."""
    last = cursor_key(after, key) if after is not None else None
    read = await session.execute(ordered_after(query, key, last, first=first, descending=descending))
    rows, has_next = split_page(read.all(), first)
    return Page(rows, has_next, [encode_cursor(getattr(r, key.key)) for r in rows])


async def positions_page(
    ctx: Context, first: int | None, after: str | None, nodes: list[Selection], wants_total: bool
) -> Connection[Position]:
    """``registry.positions_connection`` without a filter, on rows (errors raise; the plan falls back)."""
    size = page_size(first, ctx.settings)
    query = q.positions_query(q.PositionFilter(), day=ctx.today)
    async with ctx.db.read() as s:
        page = await _page(s, query.with_only_columns(*position_columns(nodes)), P.code, size, after, False)
        total = await count(s, query) if wants_total else -1
        objs = [position_of(r) for r in page.rows]
        await RowPrefetch(s, ctx).positions(objs, nodes)
    return connection(objs, cast(Page[object], page), total=total, after=after)


async def my_tasks_page(
    ctx: Context, first: int | None, after: str | None, nodes: list[Selection], wants_total: bool
) -> Connection[Task]:
    """``inbox.my_tasks_connection`` without a filter, on rows (the same SQL scoping of the inbox)."""
    size = page_size(first, ctx.settings)
    query = inbox.filtered_tasks_query(ctx.viewer, inbox.TaskFilter(), ctx.now)
    async with ctx.db.read() as s:
        page = await _page(s, query.with_only_columns(*TASK_COLUMNS), T.id, size, after, True)
        total = await count(s, query) if wants_total else -1
        prefetch = RowPrefetch(s, ctx)
        objs = await prefetch.task_objects(cast(list[models.Task], page.rows), nodes)
        await prefetch.tasks(objs, nodes)
    return connection(objs, cast(Page[object], page), total=total, after=after)
