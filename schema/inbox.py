"""``myTasks``: the viewer's inbox, filtered in SQL (workflows/repository/lists.py), each task with ``overdue`` and
``blockedReason``; and a task by id for ``node(id:)``, readable when its request is."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.connection import Connection, connection
from schema.context import Context, Info
from schema.errors import PublicError
from schema.prefetch import ListAsked, root_selection
from schema.prefetch_workflow import WorkflowPrefetch
from schema.types.workflow import RequestKind, Task
from schema.workflows import page_of, visible_request
from server import models
from workflows.repository import lists


@strawberry.input(
    description="Narrows `myTasks`; every condition is applied in SQL, so `totalCount` counts the same set."
)
class TaskFilter:
    kind: RequestKind | None = strawberry.field(default=None, description="Only tasks of requests of this kind.")
    state: str | None = strawberry.field(
        default=None, description="Only tasks of requests in this state (a state of the kind's definition)."
    )
    unit_code: str | None = strawberry.field(default=None, description="Only tasks routed to this unit (exactly).")
    overdue: bool | None = strawberry.field(
        default=None, description="true: only tasks past their due time; false: only tasks not (yet) overdue."
    )
    due_before: dt.datetime | None = strawberry.field(
        default=None, description="Only tasks due before this moment (tasks without a due time are left out)."
    )


@strawberry.type
class InboxQuery:
    @strawberry.field(
        description="Open tasks routed to the viewer, newest first. A task they may not take (segregation of "
        "duties) is listed with `blockedReason`."
    )
    async def my_tasks(
        self, info: Info, filter: TaskFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Task]:
        return await my_tasks_connection(info.context, filter, first, after, ListAsked.of(info))


async def my_tasks_connection(
    ctx: Context, filter: TaskFilter | None, first: int | None, after: str | None, asked: ListAsked
) -> Connection[Task]:
    """A page of ``myTasks`` with what ``asked`` asks prefetched (also the compiled path's fetch)."""
    f = filter or TaskFilter()
    if f.state is not None and len(f.state) > 40:
        raise PublicError(f"filter.state: {len(f.state)} characters is longer than any state; use a state name")
    flt = lists.TaskFilter(f.kind.value if f.kind else None, f.state, f.unit_code, f.overdue, f.due_before)
    query = lists.inbox_tasks(ctx.viewer, flt, ctx.now)
    page, total = await page_of(ctx, query, models.Task.id, first, after, asked.total)
    async with ctx.db.read() as s:
        prefetch = WorkflowPrefetch(s, ctx)
        nodes = await prefetch.task_objects(page.rows, asked.nodes)
        await prefetch.tasks(nodes, asked.nodes)
    return connection(nodes, page, total=total, after=after)


async def task_node(info: Info, task_id: int) -> Task | None:
    """A task by id, readable exactly when its request is (``visible_request``, the requests' read rule)."""
    ctx = info.context
    async with ctx.db.read() as s:
        row = await lists.task_by_id(s, task_id)
    if row is None or await visible_request(ctx, row.request_id) is None:
        return None
    async with ctx.db.read() as s:
        prefetch = WorkflowPrefetch(s, ctx)
        [task] = await prefetch.task_objects([row], root_selection(info))
        await prefetch.tasks([task], root_selection(info))
    return task
