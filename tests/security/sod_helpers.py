"""Set-ups the segregation-of-duties, identity and delegation attacks share: extra logins, grants, audit reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from server.models import AuditEvent, Employee, User
from tests.api.helpers import DemoApi

GRANT = """mutation($input: GrantRoleInput!) { grantRole(input: $input) {
  grant { id userId role unitCode validTo acting } errors { code message field }
} }"""
REVOKE = """mutation($input: RevokeRoleInput!) { revokeRole(input: $input) {
  grant { id revoked } errors { code message field }
} }"""
DELEGATE = """mutation($input: DelegateRoleInput!) { delegateRole(input: $input) {
  grant { id userId role unitCode validFrom validTo acting delegatedBy } errors { code message field }
} }"""
END_DELEGATION = """mutation($input: EndDelegationInput!) { endDelegation(input: $input) {
  grant { id revoked } errors { code message field }
} }"""
ROLES = "{ viewer { userId roles { id role unitCode acting delegatedBy } } }"


def dated(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items() if v is not None}


async def add_login(api: DemoApi, user_id: str, *, of: str | None = None, name: str | None = None) -> None:
    """A user row ``user_id``; with ``of`` (a persona or NIP), an account of that civil servant.

    Their NIP still signs them in (as the employee, with the grants made to the NIP), so the civil
    servant then has two user ids: the case segregation of duties must see as one person.
    """
    async with api.db.write() as s:
        employee = None
        if of is not None:
            nip = api.uid(of)
            employee = (await s.execute(select(Employee).where(Employee.nip == nip))).scalar_one()
            await s.execute(delete(User).where(User.employee_id == employee.id))  # one account per employee
        s.add(User(id=user_id, name=name or user_id, employee_id=employee.id if employee else None))


async def grant(api: DemoApi, user_id: str, role: str, unit_code: str | None = None, **extra: Any) -> dict[str, Any]:
    """The administrator's ``grantRole`` payload for the raw ``user_id``."""
    values = dated({"userId": user_id, "role": role, "unitCode": unit_code, **extra})
    payload: dict[str, Any] = (await api.ask("admin", GRANT, input=values))["grantRole"]
    return payload


async def granted(api: DemoApi, user_id: str, role: str, unit_code: str | None = None, **extra: Any) -> str:
    payload = await grant(api, user_id, role, unit_code, **extra)
    assert payload["errors"] == [], payload["errors"]
    return str(payload["grant"]["id"])


async def delegate(
    api: DemoApi, persona: str, to: str, role: str, unit_code: str | None, **dates: Any
) -> dict[str, Any]:
    """``persona``'s ``delegateRole`` payload, handing ``role`` to ``to`` (a persona or raw user id)."""
    values = dated({"toUserId": api.uid(to), "role": role, "unitCode": unit_code, **dates})
    payload: dict[str, Any] = (await api.ask(persona, DELEGATE, input=values))["delegateRole"]
    return payload


async def roles_of(api: DemoApi, persona: str) -> list[dict[str, Any]]:
    return list((await api.ask(persona, ROLES))["viewer"]["roles"])


async def events(api: DemoApi, **where: Any) -> list[AuditEvent]:
    """Audit rows matching ``where`` (column == value), oldest first, read straight from the table."""
    async with api.db.read() as s:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return list((await s.execute(query)).scalars())
