"""Look-ahead batching for requests and tasks (see schema/prefetch.py for the idea)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from strawberry.types.nodes import Selection

from policies.audit_values import hidden_values
from schema.prefetch import Prefetch, child, children, selected
from schema.types.audit import AuditEvent
from schema.types.competency import CandidateFit
from schema.types.registry import Employee
from schema.types.workflow import ActionInput, ActionKind, ActionOption, Task, WorkflowRequest
from server import models
from server.audit.queries import events_of_requests
from workflows import catalog, inbox
from workflows import queries as wq
from workflows.repository import lists
from workflows.request_fit import request_fits

# The fields of an action option whose answer depends on the guards: only these make the page preview them.
PREVIEWED = frozenset({"allowed", "blockedBy", "reason"})


class WorkflowPrefetch(Prefetch):
    async def task_objects(self, rows: Sequence[models.Task], selections: Iterable[Selection]) -> list[Task]:
        """Tasks for the rows; their units are read only when ``unitCode`` is selected."""
        if "unitCode" not in selected(selections):
            made = [Task.of(t, None) for t in rows]
        else:
            units = await self.unit_objects([t.unit_id for t in rows if t.unit_id is not None])
            made = [Task.of(t, units[t.unit_id].code if t.unit_id is not None else None) for t in rows]
        for task in made:
            task.overdue = inbox.is_overdue(task.due_at, self.ctx.now)
        if made and "blockedReason" in selected(selections):
            requests = await lists.requests_by_id(self.session, [t.request_id for t in rows])
            standing = await wq.standings(self.session, self.ctx.viewer, list(requests.values()), self.ctx.today)
            reasons = inbox.blocked_reasons(rows, requests, self.ctx.viewer, standing)
            for task, row in zip(made, rows, strict=True):
                task.blocked_reason = reasons[row.id]
        return made

    async def request_objects(self, ids: Sequence[int], selections: Iterable[Selection]) -> dict[int, WorkflowRequest]:
        """Requests by id for a selection (the compiled path reads a column subset where it may)."""
        return {i: WorkflowRequest.of(r) for i, r in (await lists.requests_by_id(self.session, ids)).items()}

    async def requests(self, objs: Sequence[WorkflowRequest], selections: Iterable[Selection]) -> None:
        fields = selected(selections)
        if not objs:
            return
        rows = [o.row for o in objs]
        if "subject" in fields:
            people = await self.employee_rows([r.subject_employee_id for r in rows], card_only=False)
            subjects = {i: Employee.of(e) for i, e in people.items()}
            for o in objs:
                o.subject_obj = subjects[o.row.subject_employee_id]
            await self.employees(list(subjects.values()), children(fields["subject"]))
        for name, attr in (
            ("position", "position_id"),
            ("originPosition", "origin_position_id"),
            ("subjectPosition", "subject_position_id"),
        ):
            if name in fields:
                ids = [getattr(r, attr) for r in rows if getattr(r, attr) is not None]
                positions = await self.position_objects(ids)
                for o in objs:
                    pid = getattr(o.row, attr)
                    setattr(o, f"{attr.removesuffix('_id')}_obj", positions.get(pid) if pid is not None else None)
                await self.positions(list(positions.values()), children(fields[name]))
        if "openTasks" in fields:
            by_request = await lists.open_tasks_of(self.session, [r.id for r in rows])
            task_rows = [t for ts in by_request.values() for t in ts]
            made = dict(
                zip(
                    [t.id for t in task_rows],
                    await self.task_objects(task_rows, children(fields["openTasks"])),
                    strict=True,
                )
            )
            # A task's request is a fresh object filled for the selection under ``openTasks { request }``:
            # reusing this level's object would show it with this level's selection (a nested
            # ``subject`` left unfilled, or an outer ``openTasks`` overwritten by the inner one).
            again = {o.row.id: WorkflowRequest.of(o.row) for o in objs}
            for o in objs:
                o.task_list = [made[t.id] for t in by_request.get(o.row.id, [])]
                for task in o.task_list:
                    task.request_obj = again[task.request_id]
            await self.requests(list(again.values()), child(children(fields["openTasks"]), "request"))
        if "availableActions" in fields:
            standing = await wq.standings(self.session, self.ctx.viewer, rows, self.ctx.today)
            options = {r.id: wq.available_actions(r, self.ctx.viewer, standing[r.id]) for r in rows}
            if PREVIEWED & selected(children(fields["availableActions"])).keys():
                options = await wq.with_guards(self.session, options, rows, self.ctx.today)
            for o in objs:
                o.action_list = [
                    ActionOption(
                        action=a.action,
                        kind=ActionKind(a.kind),
                        allowed=a.allowed,
                        reason=a.reason,
                        blocked_by=list(a.blocked_by),
                    )
                    for a in options[o.row.id]
                ]
            self._action_inputs(objs)
        if "candidateFit" in fields:
            fits = await request_fits(self.session, self.ctx.viewer, rows, self.ctx.today)
            for o in objs:
                found = fits.get(o.row.id)
                o.fit_obj = CandidateFit(fit=found.score, reasons=list(found.reasons)) if found else None
        if "history" in fields:
            trails = await events_of_requests(self.session, [r.id for r in rows])
            every = [e for trail in trails.values() for e in trail]
            # the trail's values (guard warnings, ratings, assignments, hours) are the subject's file; to
            # whom the subject is a card, the trail shows who did what and when only (policies.audit_values)
            hidden = await hidden_values(self.session, self.ctx.viewer, self.ctx.today, every)
            for o in objs:
                events = [AuditEvent.of(e) for e in trails.get(o.row.id, [])]
                o.history_list = [replace(e, before=None, after=None) if e.seq in hidden else e for e in events]

    @staticmethod
    def _action_inputs(objs: Sequence[WorkflowRequest]) -> None:
        """Each option's ``inputs``, from the request's definition version (data only, no query)."""
        for o in objs:
            definition = catalog.by_version(o.row.definition_version)
            for option in o.action_list:
                option.inputs = [ActionInput.of(f) for f in definition.inputs(o.row.state, option.action)]

    async def tasks(self, objs: Sequence[Task], selections: Iterable[Selection]) -> None:
        fields = selected(selections)
        if objs and "request" in fields:
            requests = await self.request_objects([t.request_id for t in objs], children(fields["request"]))
            for t in objs:
                t.request_obj = requests[t.request_id]
            await self.requests(list(requests.values()), children(fields["request"]))
