"""Preparing training requests up to a step, and checking that requests, effects, tasks and audit agree.

Training is the workflow whose approver step applies an effect at once: ``verify`` (by a BKD verifier)
moves a request from ``claimed`` to the terminal ``verified`` and ``record_training`` inserts a training
record in the same transaction. Each prepared request gets its own title, so its record can be found.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from policies.viewer import load_viewer
from server.audit.verify import verify
from server.db import Database
from server.models import AuditEvent, AuditHead, Employee, Task, TrainingRecord, WorkflowRequest
from server.seed import REFERENCE_DATE, persona_user_ids
from workflows.proposals import propose_training
from workflows.service import act

TRAINING_DAY = dt.date(2026, 11, 20)
CLAIM = {"hours": 12, "certificate": "BPSDM-FAULT-0001"}
TITLE = "fault-test training {index}"


@dataclass(frozen=True)
class Prepared:
    request_ids: list[int]
    people: dict[str, str]


async def claimed_trainings(db: Database, count: int) -> Prepared:
    """``count`` training requests of the employee persona, each taken to ``claimed`` (waiting for BKD)."""
    people = await persona_user_ids(db)
    async with db.read() as s:
        employee, supervisor = (
            await load_viewer(s, people["employee"], REFERENCE_DATE),
            await load_viewer(s, people["unit_head"], REFERENCE_DATE),
        )
    ids = []
    for index in range(count):
        result = await propose_training(
            db,
            employee,
            employee_nip=people["employee"],
            title=TITLE.format(index=index),
            hours=16,
            date=TRAINING_DAY,
            today=REFERENCE_DATE,
        )
        assert result.ok and result.entity_id is not None, result.errors
        rid = result.entity_id
        for viewer, action, data in (
            (supervisor, "approve", None),
            (employee, "record_attendance", None),
            (employee, "claim", CLAIM),
        ):
            step = await act(db, viewer, request_id=rid, action=action, data=data, today=REFERENCE_DATE)
            assert step.ok, (action, step.errors)
        ids.append(rid)
    return Prepared(ids, people)


async def states(db: Database, request_ids: Sequence[int]) -> dict[int, str]:
    async with db.read() as s:
        rows = await s.execute(
            select(WorkflowRequest.id, WorkflowRequest.state).where(WorkflowRequest.id.in_(request_ids))
        )
        return {int(r.id): str(r.state) for r in rows}


async def assert_chain_intact(db: Database) -> int:
    """``verify`` holds and the seqs run 1..head without a gap; the head's seq."""
    report = await verify(db)
    assert report.ok, report.explanation
    async with db.read() as s:
        seqs = list((await s.execute(select(AuditEvent.seq).order_by(AuditEvent.seq))).scalars())
        head = (await s.execute(select(AuditHead.seq).where(AuditHead.id == 1))).scalar_one()
    assert seqs == list(range(1, len(seqs) + 1)), "a gap in the audit seqs"
    assert head == len(seqs) == report.checked_events
    return int(head)


async def assert_training_requests_consistent(db: Database, request_ids: Sequence[int]) -> dict[int, str]:
    """Each request's state, version, effects, open tasks and audit trail agree; the states found.

    - one step event (``request.<action>``, refusals aside) per version: ``version == len(steps)``;
    - the last step event's ``to_state`` is the state, and the steps chain (each starts where the last ended);
    - the training record and its ``training.recorded`` event exist iff the request reached ``verified``,
      and ``effects_applied`` says the same;
    - the open tasks are those of the state (none once terminal).
    """
    found: dict[int, str] = {}
    async with db.read() as s:
        employee_id = (
            await s.execute(
                select(Employee.id)
                .join(WorkflowRequest, WorkflowRequest.subject_employee_id == Employee.id)
                .where(WorkflowRequest.id == request_ids[0])
            )
        ).scalar_one()
        records = {
            r.title: r
            for r in (
                await s.execute(select(TrainingRecord).where(TrainingRecord.employee_id == employee_id))
            ).scalars()
        }
        for rid in request_ids:
            request = await s.get(WorkflowRequest, rid)
            assert request is not None
            events = list(
                (
                    await s.execute(select(AuditEvent).where(AuditEvent.request_id == rid).order_by(AuditEvent.seq))
                ).scalars()
            )
            steps = [e for e in events if e.action.startswith("request.") and e.action != "request.refused"]
            where = f"request {rid} ({request.state}, v{request.version})"
            assert len(steps) == request.version, f"{where}: {[e.action for e in steps]}"
            assert steps[-1].to_state == request.state, f"{where}: last step event ends in {steps[-1].to_state}"
            assert all(a.to_state == b.from_state for a, b in itertools.pairwise(steps)), where
            title = str(request.data["title"])
            recorded = [e for e in events if e.action == "training.recorded"]
            verified = request.state == "verified"
            assert (title in records) == verified, f"{where}: training record present={title in records}"
            assert len(recorded) == (1 if verified else 0), f"{where}: {len(recorded)} training.recorded events"
            assert request.effects_applied == verified, where
            assert request.terminal == verified, where
            open_steps = list(
                (await s.execute(select(Task.step).where(Task.request_id == rid, Task.closed_at.is_(None)))).scalars()
            )
            assert open_steps == ([] if request.terminal else [request.state]), f"{where}: open tasks {open_steps}"
            found[rid] = request.state
    assert sum(1 for t in records if t.startswith("fault-test training")) == sum(
        1 for s in found.values() if s == "verified"
    ), "a training record without a verified request"
    await assert_chain_intact(db)
    return found
