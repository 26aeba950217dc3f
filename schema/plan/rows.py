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

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, cast

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from strawberry.scalars import JSON
from strawberry.types.nodes import Selection

from schema.connection import Connection, connection, page_size
from schema.context import Context
from schema.plan.projection import Shape, request_kind
from schema.plan.statements import ids_param, keyset
from schema.prefetch import child, selected
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.registry import Position, Unit
from schema.types.workflow import RequestKind, Task, WorkflowRequest, _utc
from server import models
from server.driver import fetch, kept
from server.paging import Page, count, cursor_key, encode_cursor, split_page
from server.registry import queries as q
from server.sql import is_postgres
from workflows.repository import lists

P, U, E, T, R, A = models.Position, models.Unit, models.Employee, models.Task, models.WorkflowRequest, models.Assignment

UNIT_COLUMNS = (U.id, U.code, U.name, U.kind, U.parent_id)
RJ = aliased(R, name="task_request")  # a task's request, joined to the inbox page
SJ = aliased(E, name="request_subject")
PJ = aliased(P, name="request_position")
PUJ = aliased(U, name="request_position_unit")
UJ = aliased(U, name="page_unit")  # a page's unit, joined (an alias: the page's own subqueries stay as they are)
UNIT_JOINED = tuple(c.label(f"u_{c.key}") for c in (UJ.id, UJ.code, UJ.name, UJ.kind, UJ.parent_id))
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
    "subjectPosition": (R.subject_position_id,),
}


def position_columns(selections: Iterable[Selection]) -> tuple[InstrumentedAttribute[Any], ...]:
    fields = selected(selections)
    if fields.keys() - POSITION_FIELDS.keys() - {"__typename", "id", "code", "unit", "holders"}:
        return POSITION_COLUMNS
    return POSITION_ALWAYS + tuple(dict.fromkeys(c for name in fields for c in POSITION_FIELDS.get(name, ())))


def request_columns(selections: Iterable[Selection]) -> list[InstrumentedAttribute[Any]] | None:
    """The request columns a selection reads besides ``id``; None when it needs the ORM row."""
    fields = selected(selections)
    if fields.keys() - REQUEST_FIELDS.keys():
        return None
    return list(dict.fromkeys(c for name in fields for c in REQUEST_FIELDS[name]))


def split(rows: Sequence[Row[Any]], prefix: str) -> list[dict[str, Any]]:
    """The columns labelled ``prefix``+name of each row, by name (indices found once per statement)."""
    if not rows:
        return []
    at = [(i, k[len(prefix) :]) for i, k in enumerate(rows[0]._fields) if k.startswith(prefix)]
    return [{name: r[i] for i, name in at} for r in rows]


def position_of(columns: dict[str, Any]) -> Position:
    """A position from the columns of ``position_columns``: a field not read is never completed, so it is None."""
    m: Any = columns
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


def request_of(columns: dict[str, Any]) -> WorkflowRequest:
    """``WorkflowRequest.of`` for the columns its selection reads (a field not read is never completed)."""
    m: Any = columns
    kind = m.get("kind")
    return WorkflowRequest(
        id=strawberry.ID(str(m["id"])),
        kind=request_kind(kind) if kind is not None else cast(RequestKind, None),
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
        row=cast(models.WorkflowRequest, SimpleNamespace(**columns)),
    )


async def _rows(
    session: AsyncSession, name: str, columns: Sequence[Any], key: Any, ids: Iterable[int], build: Any = None
) -> list[Row[Any]]:
    """Rows of ``columns`` (or of ``build()``) whose ``key`` is one of ``ids``; the statement kept by ``name``."""
    wanted = sorted(set(ids))
    if not wanted:
        return []

    def statement() -> Any:
        base: Any = build() if build is not None else select(*columns)
        return base.where(ids_param(session, key))

    query = kept((name, is_postgres(session)), statement)
    return list(await fetch(session, query, {"ids": wanted}))


class RowPrefetch(WorkflowPrefetch):
    """``WorkflowPrefetch`` reading Core rows of column subsets; the same statements' WHERE, the same objects.

    Units read along with a page (joined) are kept for the request, so the unit level reads no statement
    for them; a page's holder counts likewise (a correlated count column of the page statement).
    """

    def __init__(self, session: AsyncSession, ctx: Context) -> None:
        super().__init__(session, ctx)
        self.units_read: dict[int, Unit] = {}
        self.counts_read: dict[int, int] = {}
        self.requests_read: dict[int, WorkflowRequest] = {}
        self.positions_read: dict[int, dict[str, Any]] = {}
        self.people_read: dict[int, SimpleNamespace] = {}

    async def unit_objects(self, ids: Iterable[int]) -> dict[int, Unit]:
        wanted = set(ids)
        missing = wanted - self.units_read.keys()
        for r in await _rows(self.session, "units", UNIT_COLUMNS, U.id, missing):
            self.units_read[r.id] = Unit(code=r.code, name=r.name, kind=r.kind, id_=r.id, parent_id=r.parent_id)
        return {i: self.units_read[i] for i in wanted if i in self.units_read}

    def keep_units(self, rows: Sequence[Row[Any]], prefix: str) -> None:
        """The units of rows read with ``UNIT_JOINED`` columns (labelled ``prefix``+name)."""
        for u in split(rows, prefix):
            if u["id"] is not None and u["id"] not in self.units_read:
                self.units_read[u["id"]] = Unit(
                    code=u["code"], name=u["name"], kind=u["kind"], id_=u["id"], parent_id=u["parent_id"]
                )

    async def holder_counts(self, position_ids: Sequence[int]) -> dict[int, int]:
        if all(i in self.counts_read for i in position_ids):
            return {i: self.counts_read[i] for i in position_ids}
        return await super().holder_counts(position_ids)

    async def holder_rows(
        self, position_ids: Sequence[int], day: dt.date, known: Mapping[int, Any], *, card_only: bool
    ) -> tuple[dict[int, list[int]], Mapping[int, Any]]:
        """``q.holder_ids`` with the holders' columns joined: one statement for ids and rows."""
        by_position: dict[int, list[int]] = defaultdict(list)
        if not position_ids:
            return by_position, {}

        def build() -> Any:
            query = (
                select(A.position_id, *(CARD_COLUMNS if card_only else FILE_COLUMNS))
                .join_from(A, E, E.id == A.employee_id)
                .where(ids_param(self.session, A.position_id), A.kind == "definitive", q.held_on(day))
                .order_by(A.position_id, A.start_date, A.employee_id)
            )
            visible = self.ctx.people_visible
            if visible is not None:
                query = query.join(P, P.id == A.position_id).where(visible(P.unit_id))
            return query

        # kept per people scope (what people_visible is made of: it follows a policy change), day, columns, dialect
        query = kept(("holders", card_only, day, self.ctx.people_scope, is_postgres(self.session)), build)
        rows: dict[int, Any] = {}
        for r in await fetch(self.session, query, {"ids": sorted(set(position_ids))}):
            by_position[r.position_id].append(r.id)
            rows[r.id] = r
        return by_position, rows

    async def position_objects(self, ids: Iterable[int]) -> dict[int, Position]:
        """Fresh objects (a level fills its own), from rows read before or now, with their units joined."""
        wanted = set(ids)
        missing = sorted(wanted - self.positions_read.keys())
        if missing:
            build = lambda: select(*POSITION_COLUMNS, *UNIT_JOINED).join_from(P, UJ, UJ.id == P.unit_id)  # noqa: E731
            rows: Any = await _rows(self.session, "positions", (), P.id, missing, build)
            self.keep(rows)
        return {i: position_of(self.positions_read[i]) for i in wanted if i in self.positions_read}

    async def employee_rows(self, ids: Iterable[int], *, card_only: bool) -> Mapping[int, Any]:
        wanted = set(ids)
        if wanted <= self.people_read.keys():
            return {i: self.people_read[i] for i in wanted}
        columns = CARD_COLUMNS if card_only else FILE_COLUMNS
        return {r.id: r for r in await _rows(self.session, f"people {card_only}", columns, E.id, ids)}

    def keep(self, rows: Sequence[Row[Any]], prefix: str = "") -> None:
        """Positions (all ``POSITION_COLUMNS``) with their units (``UNIT_JOINED``) read in some statement."""
        for m in split(rows, prefix):
            if m.get("id") is not None:  # (an outer join that found no position reads None)
                self.positions_read.setdefault(m["id"], m)
        self.keep_units(rows, prefix + "u_")

    async def request_objects(self, ids: Sequence[int], selections: Iterable[Selection]) -> dict[int, WorkflowRequest]:
        columns = request_columns(selections)
        if columns is None:
            return await super().request_objects(ids, selections)
        if all(i in self.requests_read for i in ids):
            return {i: self.requests_read[i] for i in ids}
        name = "requests " + " ".join(c.key for c in columns)
        return {r.id: request_of(r._asdict()) for r in await _rows(self.session, name, [R.id, *columns], R.id, ids)}


async def _page(
    session: AsyncSession | AsyncConnection,
    name: Hashable,
    build: Any,
    key: Any,
    first: int,
    after: str | None,
    descending: bool,
    *,
    key_at: int | None = None,
) -> Page[Row[Any]]:
    """``server.paging.keyset_page`` for a select of columns (``build()``, kept under ``name``): rows.
    The cursor is the row's ``key`` column (or the column at ``key_at``, for rows of labelled columns)."""
    last = cursor_key(after, key) if after is not None else None
    has_last = last is not None
    rows = first + 1
    query = kept((name, has_last, rows), lambda: keyset(build(), key, after=has_last, descending=descending, rows=rows))
    params = {"last": last} if has_last else {}
    found, has_next = split_page(list(await fetch(session, query, params)), first)
    if key_at is not None:
        return Page(found, has_next, [encode_cursor(r[key_at]) for r in found])
    return Page(found, has_next, [encode_cursor(getattr(r, key.key)) for r in found])


async def positions_page(
    ctx: Context, first: int | None, after: str | None, nodes: list[Selection], wants_total: bool
) -> Connection[Position]:
    """``registry.positions_connection`` without a filter, on rows (errors raise; the plan falls back).

    Two statements for the whole page when only the unit, vacancies and holders are nested: the page
    with its unit's columns joined and its holder count as a correlated column, then the holders.
    """
    size = page_size(first, ctx.settings)
    fields = selected(nodes)
    position_cols = position_columns(nodes)

    def build() -> Any:
        columns: list[Any] = list(position_cols)
        if "unit" in fields:
            columns += UNIT_JOINED
        if "vacancies" in fields:
            columns.append(q.definitive_holder_count(ctx.today).label("held"))
        paged = q.positions_query(q.PositionFilter(), day=ctx.today).with_only_columns(*columns)
        return paged.join_from(P, UJ, UJ.id == P.unit_id) if "unit" in fields else paged

    shape = (tuple(c.key for c in position_cols), "unit" in fields, "vacancies" in fields)
    async with ctx.db.read() as s:
        page = await _page(s, ("positions", shape, ctx.today), build, P.code, size, after, False)
        total = await count(s, q.positions_query(q.PositionFilter(), day=ctx.today)) if wants_total else -1
        prefetch = RowPrefetch(s, ctx)
        if "unit" in fields:
            prefetch.keep_units(page.rows, "u_")
        if "vacancies" in fields:
            prefetch.counts_read.update((r.id, int(r.held)) for r in page.rows)
        objs = [position_of(m) for m in split(page.rows, "")]
        await prefetch.positions(objs, nodes)
    return connection(objs, cast(Page[object], page), total=total, after=after)


async def my_tasks_page(
    ctx: Context, first: int | None, after: str | None, nodes: list[Selection], wants_total: bool
) -> Connection[Task]:
    """``inbox.my_tasks_connection`` without a filter, on rows (the same SQL scoping of the inbox).

    When the requests' selection reads only columns (``request_columns``), the page statement joins the
    request, its subject and its position with that position's unit: one statement for the bench's page.
    """
    size = page_size(first, ctx.settings)
    under = selected(child(nodes, "request"))
    joined = request_columns(child(nodes, "request")) if "request" in selected(nodes) else None

    def build() -> Any:
        # an empty TaskFilter reads no time: the statement depends on the viewer alone
        paged: Any = lists.inbox_tasks(ctx.viewer, lists.TaskFilter(), ctx.now)
        paged = paged.with_only_columns(*TASK_COLUMNS)
        if joined:
            paged = paged.add_columns(*(getattr(RJ, c.key).label(f"r_{c.key}") for c in joined))
            paged = paged.join_from(T, RJ, RJ.id == T.request_id)
            if "subject" in under:
                paged = paged.add_columns(*(getattr(SJ, c.key).label(f"s_{c.key}") for c in FILE_COLUMNS))
                paged = paged.join_from(RJ, SJ, SJ.id == RJ.subject_employee_id)
            if "position" in under:
                paged = paged.add_columns(*(getattr(PJ, c.key).label(f"p_{c.key}") for c in POSITION_COLUMNS))
                paged = paged.add_columns(*(getattr(PUJ, c.key).label(f"p_u_{c.key}") for c in UNIT_COLUMNS))
                paged = paged.outerjoin_from(RJ, PJ, PJ.id == RJ.position_id).outerjoin(PUJ, PUJ.id == PJ.unit_id)
        return paged

    shape = (tuple(c.key for c in joined) if joined is not None else None, "subject" in under, "position" in under)
    async with ctx.db.read() as s:
        page = await _page(s, ("tasks", shape, ctx.viewer, is_postgres(s)), build, T.id, size, after, True)
        # the count's statement (the viewer's scoping clauses) is built only when totalCount is selected
        total = await count(s, lists.inbox_tasks(ctx.viewer, lists.TaskFilter(), ctx.now)) if wants_total else -1
        prefetch = RowPrefetch(s, ctx)
        if joined is not None:
            for r, m in zip(page.rows, split(page.rows, "r_"), strict=True):
                prefetch.requests_read.setdefault(r.request_id, request_of({**m, "id": r.request_id}))
        if joined and "subject" in under:
            prefetch.people_read.update((m["id"], SimpleNamespace(**m)) for m in split(page.rows, "s_"))
        if joined and "position" in under:
            prefetch.keep(page.rows, "p_")
        objs = await prefetch.task_objects(cast(list[models.Task], page.rows), nodes)
        await prefetch.tasks(objs, nodes)
    return connection(objs, cast(Page[object], page), total=total, after=after)


async def my_task_rows(
    ctx: Context, first: int | None, after: str | None, shape: Shape, wants_total: bool
) -> Connection[Any]:
    """The inbox page as rows of ``shape``'s columns, for the plan's row projection: the same scoped
    statement as ``my_tasks_page`` (``lists.inbox_tasks``), the same keyset order and cursors."""
    size = page_size(first, ctx.settings)
    build = lambda: shape.select(lists.inbox_tasks(ctx.viewer, lists.TaskFilter(), ctx.now))  # noqa: E731
    async with ctx.db.read_connection() as c:
        name = ("task rows", shape, ctx.viewer, c.dialect.name)
        page = await _page(c, name, build, T.id, size, after, True, key_at=0)
        total = await count(c, lists.inbox_tasks(ctx.viewer, lists.TaskFilter(), ctx.now)) if wants_total else -1
    return connection(page.rows, cast(Page[object], page), total=total, after=after)
