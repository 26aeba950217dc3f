"""``asnflow policy check USER_ID ACTION OBJECT`` and ``asnflow policy reload``.

OBJECT names a kind of object, optionally where it is: ``placement`` (province level),
``placement@DINKES`` (in a unit), ``employee:NIP``, ``position:CODE`` or ``request:ID`` (a stored
object: its unit, and the user's relation to the employee concerned, are looked up).

For a step of a stored request (``verify request:42``) the policy is not the whole answer: the request's
state, the definition's route, segregation of duties and the step's guards on the request's effective
date decide too, as ``explain`` says. The workflow layer supplies that check (``consider_requests_with``),
since ``policies`` imports nothing above it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from policies.decide import Decision, decide
from policies.notify import bump_policy_version
from policies.relations import relations_to
from policies.viewer import Viewer, load_viewer
from server.identity import UserIdError
from server.ids import parse_row_id
from server.models import Assignment, Employee, Position, Unit, WorkflowRequest


class UnknownObject(LookupError):
    """OBJECT names nothing stored; the message says what was looked for."""


# (session, viewer, request id, action, date) -> the decision on that step of the request, or None when the
# action is not a step of the request's workflow (then the policy alone answers).
RequestCheck = Callable[[AsyncSession, Viewer, int, str, dt.date], Awaitable[Decision | None]]
_request_checks: list[RequestCheck] = []


def consider_requests_with(request_check: RequestCheck) -> None:
    """Let the workflow layer judge steps of stored requests (state, route, SoD, guards)."""
    if request_check not in _request_checks:
        _request_checks.append(request_check)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policy = subparsers.add_parser("policy", help="authorization policy: check a decision, reload everywhere")
    commands = policy.add_subparsers(dest="policy_command", required=True)
    check = commands.add_parser("check", help="may USER_ID do ACTION to OBJECT? prints allowed/refused and why")
    check.add_argument("user_id", metavar="USER_ID")
    check.add_argument("action", metavar="ACTION")
    check.add_argument("object", metavar="OBJECT", help="placement | placement@UNIT | employee:NIP | request:ID")
    check.add_argument(
        "--on",
        type=dt.date.fromisoformat,
        default=None,
        help="the date to judge on (default: the service's today, ASNFLOW_TODAY where set)",
    )
    check.set_defaults(func=run_check)
    reload = commands.add_parser("reload", help="tell every server process to reload policies/policy.csv")
    reload.set_defaults(func=run_reload)


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 when allowed, 1 when refused, 2 when OBJECT names nothing or USER_ID is not a user id."""
    try:
        decision = asyncio.run(_check(args.user_id, args.action, args.object, args.on or _service_today()))
    except (UnknownObject, UserIdError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print(decision.reason)
    return 0 if decision.allowed else 1


def _service_today() -> dt.date:
    """The service's date, as the server judges (Jakarta's calendar, or ``ASNFLOW_TODAY`` outside production)."""
    from server.clock import service_today
    from server.settings import get_settings

    return service_today(get_settings())


def run_reload(args: argparse.Namespace) -> int:
    version = asyncio.run(_reload())
    print(f"policy version {version}: every server process reloads within a second (PostgreSQL) or on its next check")
    return 0


async def _reload() -> int:
    from server.db import Database
    from server.settings import get_settings

    db = Database(get_settings().database_url)
    try:
        async with db.write() as session:
            return await bump_policy_version(session)
    finally:
        await db.dispose()


async def _check(user_id: str, action: str, obj: str, on: dt.date) -> Decision:
    from server.db import Database
    from server.settings import get_settings

    db = Database(get_settings().database_url)
    try:
        async with db.read() as session:
            return await check(session, user_id, action, obj, on)
    finally:
        await db.dispose()


async def check(session: AsyncSession, user_id: str, action: str, obj: str, on: dt.date) -> Decision:
    """The decision for ``user_id`` doing ``action`` to the object named ``obj`` on ``on``."""
    viewer = await load_viewer(session, user_id, on)
    kind, unit_path, unit_code, subject = await _locate(session, action, obj, on)
    relations = await relations_to(session, viewer, subject, on) if subject is not None else frozenset()
    decision = decide(viewer, obj=kind, action=action, unit_path=unit_path, relations=relations, unit_code=unit_code)
    request_id = parse_row_id(obj.split(":", 1)[1]) if obj.startswith("request:") and action != "read" else None
    for request_check in _request_checks if request_id is not None else []:
        assert request_id is not None
        step = await request_check(session, viewer, request_id, action, on)
        if step is not None:
            return step
    return decision


async def _locate(
    session: AsyncSession, action: str, obj: str, on: dt.date
) -> tuple[str, str | None, str | None, int | None]:
    """(object kind, unit path, unit code, employee concerned) for an OBJECT argument."""
    if "@" in obj:
        kind, code = obj.split("@", 1)
        unit = (await session.execute(select(Unit.path, Unit.code).where(Unit.code == code))).first()
        if unit is None:
            raise UnknownObject(f"unit {code!r} does not exist")
        return kind, unit.path, unit.code, None
    if ":" not in obj:
        return obj, None, None, None
    kind, key = obj.split(":", 1)
    if kind == "employee":
        nip = "".join(key.split())
        employee_id = (await session.execute(select(Employee.id).where(Employee.nip == nip))).scalar_one_or_none()
        if employee_id is None:
            raise UnknownObject(f"no employee has NIP {nip}")
        row = (
            await session.execute(
                select(Unit.path, Unit.code)
                .join(Position, Position.unit_id == Unit.id)
                .join(Assignment, Assignment.position_id == Position.id)
                .where(
                    Assignment.employee_id == employee_id,
                    Assignment.kind == "definitive",
                    Assignment.start_date <= on,
                    (Assignment.end_date.is_(None)) | (Assignment.end_date >= on),
                )
                .limit(1)
            )
        ).first()
        return "employee", row.path if row else None, row.code if row else None, employee_id
    if kind == "position":
        row = (
            await session.execute(
                select(Unit.path, Unit.code).join(Position, Position.unit_id == Unit.id).where(Position.code == key)
            )
        ).first()
        if row is None:
            raise UnknownObject(f"no position has code {key!r}")
        return "position", row.path, row.code, None
    if kind == "request" and parse_row_id(key) is not None:
        req = (
            await session.execute(
                select(WorkflowRequest.kind, WorkflowRequest.subject_employee_id, Unit.path, Unit.code)
                .outerjoin(Unit, Unit.id == WorkflowRequest.unit_id)
                .where(WorkflowRequest.id == int(key))
            )
        ).first()
        if req is None:
            raise UnknownObject(f"request {key} does not exist")
        target = "request" if action == "read" else req.kind.lower()
        return target, req.path, req.code, req.subject_employee_id
    raise UnknownObject(f"OBJECT {obj!r}: use KIND, KIND@UNIT, employee:NIP, position:CODE or request:ID")
