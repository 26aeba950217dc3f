"""Who is asking: the user, their employee record and the role grants in force today.

The user id is canonical (``server.identity``): a NIP written with display spaces is the same user, and
an id with whitespace around it is nobody. A delegation is in force only while the grant it was made
from is: revoking or ending the delegator's own grant ends it the same day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.identity import canonical_user_id
from server.models import Employee, RoleGrant, Unit, User


@dataclass(frozen=True)
class Grant:
    """A role held in a unit's subtree (``unit_path`` None: province-wide); ``acting``: plt, plh or delegation.

    ``id`` is the grant row; ``granted_by`` the administrator who granted it, or for a delegation the
    holder who delegated it (whom acts under it are done on behalf of).
    """

    role: str
    unit_id: int | None = None
    unit_code: str | None = None
    unit_path: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    acting: str | None = None
    id: int | None = None
    granted_by: str | None = None


@dataclass(frozen=True)
class Viewer:
    user_id: str | None
    name: str | None = None
    employee_id: int | None = None
    nip: str | None = None
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    @property
    def person(self) -> str | None:
        """Who this is, for segregation of duties: the NIP of a civil servant (whatever user id they signed
        in with), else the user id."""
        return self.nip or self.user_id


PUBLIC = Viewer(user_id=None)


async def load_viewer(session: AsyncSession, user_id: str, today: dt.date) -> Viewer:
    """The viewer for ``user_id``; a civil servant's NIP without a user row is still the employee."""
    user_id = canonical_user_id(user_id)
    found = (
        await session.execute(
            select(User.name, User.employee_id, Employee.nip)
            .outerjoin(Employee, Employee.id == User.employee_id)
            .where(User.id == user_id)
        )
    ).first()
    employee_id = found.employee_id if found else None
    name = found.name if found else None
    nip: str | None = found.nip if found else None
    if found is None and len(user_id) == 18 and user_id.isascii() and user_id.isdigit():
        row = (
            await session.execute(select(Employee.id, Employee.name, Employee.nip).where(Employee.nip == user_id))
        ).first()
        if row is not None:
            employee_id, name, nip = row.id, name or row.name, row.nip
    parent = aliased(RoleGrant)
    rows = (
        await session.execute(
            select(
                RoleGrant.role,
                RoleGrant.unit_id,
                Unit.code,
                Unit.path,
                RoleGrant.valid_from,
                RoleGrant.valid_to,
                RoleGrant.acting,
                RoleGrant.id,
                RoleGrant.granted_by,
            )
            .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
            .outerjoin(parent, parent.id == RoleGrant.delegated_from)
            .where(
                RoleGrant.user_id == user_id,
                _in_force(RoleGrant, today),
                or_(RoleGrant.delegated_from.is_(None), _in_force(parent, today)),
            )
            .order_by(RoleGrant.role, Unit.code, RoleGrant.id)
        )
    ).all()
    grants = [
        Grant(r.role, r.unit_id, r.code, r.path, r.valid_from, r.valid_to, r.acting, r.id, r.granted_by) for r in rows
    ]
    if employee_id is not None and not any(g.role == "employee" for g in grants):
        grants.insert(0, Grant("employee"))
    return Viewer(user_id=user_id, name=name, employee_id=employee_id, nip=nip, grants=tuple(grants))


def _in_force(grant: Any, today: dt.date) -> Any:
    """The grant applies on ``today``: not revoked, and ``today`` within its dates."""
    return and_(
        grant.revoked_at.is_(None),
        or_(grant.valid_from.is_(None), grant.valid_from <= today),
        or_(grant.valid_to.is_(None), grant.valid_to >= today),
    )


_generation = 0


def forget_viewers() -> None:
    """Drop every cached viewer in this process: a policy or grant change was committed or announced."""
    global _generation
    _generation += 1


class ViewerCache:
    """Viewers kept per (user, day) for ``ttl`` seconds, and never across a policy change this process sees.

    Loading a viewer costs a transaction and two queries (2-5 ms), paid by every HTTP request before
    this cache. A grant change made in this process forgets the cache when it commits; one made in
    another process reaches this one by the policy notification (PostgreSQL, within a second) or its
    periodic check; ``ttl`` bounds the rest (a user or employee row changed elsewhere). ``ttl`` 0
    disables the cache.

    Concurrent requests of one user share one load: when the entry has run out, the first request loads
    and the others that come while it loads wait for that load instead of each loading the same viewer
    (under load, a worker had a dozen requests of one user in flight whenever the entry expired). A
    request waits only for a load begun since the last policy change this process saw, and loads for
    itself if a change is seen while it waits or if that load fails.
    """

    def __init__(self, ttl: float = 2.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[tuple[str, dt.date], tuple[float, int, Viewer]] = {}
        self._loading: dict[tuple[str, dt.date], tuple[int, asyncio.Future[Viewer | None]]] = {}

    async def viewer(self, load: Callable[[], Awaitable[Viewer]], user_id: str, today: dt.date) -> Viewer:
        """The cached viewer for ``user_id`` on ``today``, or the one ``load`` returns (then cached)."""
        if self.ttl <= 0:
            return await load()
        key = (user_id, today)
        now = time.monotonic()
        found = self._entries.get(key)
        if found is not None and found[1] == _generation and now - found[0] < self.ttl:
            return found[2]
        generation = _generation  # a change committed while loading must not be cached as current
        loading = self._loading.get(key)
        if loading is not None and loading[0] == generation:
            shared = await asyncio.shield(loading[1])
            if shared is not None and _generation == generation:
                return shared
            return await load()
        pending: asyncio.Future[Viewer | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = (generation, pending)
        try:
            viewer = await load()
        except BaseException:
            pending.set_result(None)  # the load failed: each waiter loads for itself
            raise
        finally:
            if self._loading.get(key, (0, None))[1] is pending:
                del self._loading[key]
        pending.set_result(viewer)
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (now, generation, viewer)
        return viewer
