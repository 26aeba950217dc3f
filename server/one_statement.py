"""A command in one statement (PostgreSQL): its reads outside a transaction, its one write sent in the
audit append's statement.

A command's transaction costs round trips of its own (``BEGIN``, ``COMMIT``), and its audit append holds the
chain's head (``server.audit.writer``) from the append's statement until ``COMMIT`` comes back. Under load the
head's holder mostly waited for its own process's event loop to get round to sending ``COMMIT``, while the
other writers queued on the head: acts were bound by that wait with a quarter of the machine idle
(docs/decisions.md, "act in one statement"). A command whose only write is one statement (``act`` taking one
step without effects: the versioned UPDATE of the request, its approvals and tasks) can instead read outside
a transaction (under read committed, each statement sees what was committed when it started, in a
transaction or not) and send that write as CTEs of the audit append's statement. PostgreSQL runs a statement
sent outside a transaction as a transaction of its own: the write and its audit events are stored together
or not at all, and the head is held from its lock to the commit inside that one statement.

It is still the one write path. ``server.commands.run_command`` runs the body in a session that defers
(``OneStatementSession``); the body's write (``workflows.repository.store_step``) is handed to ``defer``
instead of being sent; anything the one statement cannot carry (an effect, a second step, any other write,
even one the ORM would flush) raises ``NeedsTransaction`` before it is sent, and the runner takes the whole
command again in a transaction, from the start. So does a write whose version check found the request moved
since it was read: the transaction reloads it under its lock and answers as it always did (CONFLICT, or the
step). Nothing is written twice: nothing was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import BindParameter


class NeedsTransaction(Exception):
    """The command does something one statement cannot carry: take it again, in a transaction."""


@dataclass(frozen=True)
class DeferredWrite:
    """A write sent as data-modifying CTEs of the audit append's statement (PostgreSQL).

    ``ctes``: ``name AS (...), ...`` with ``:named`` parameters (``params``; ``binds`` types the ones that need
    a conversion, e.g. JSON). ``gate``: the name of the CTE that returns a row when the write was made (a
    versioned UPDATE's ``RETURNING``); the events are appended only then. Kept statements are keyed on
    ``ctes``: give the same text object for the same write."""

    ctes: str
    gate: str
    binds: Sequence[BindParameter[Any]]
    params: Mapping[str, Any]


_PENDING = "asnflow_deferred_write"


class OneStatementSession(Session):
    """A session whose writes wait for the audit append's statement: reads run outside a transaction
    (``server.db.Database.one_statement``), ``defer`` keeps the one write, and anything else that would
    write (an ORM flush, an INSERT, UPDATE or DELETE sent through the session) raises ``NeedsTransaction``."""


@event.listens_for(OneStatementSession, "before_flush")
def _no_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise NeedsTransaction("an ORM change to flush")


@event.listens_for(OneStatementSession, "do_orm_execute")
def _no_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise NeedsTransaction("a write of its own")


def deferring(session: AsyncSession) -> bool:
    """Whether ``session`` defers its write to the audit append (a ``OneStatementSession``)."""
    return isinstance(session.sync_session, OneStatementSession)


def defer(session: AsyncSession, write: DeferredWrite) -> None:
    """Keep ``write`` for the audit append's statement; a second write needs a transaction."""
    if session.info.get(_PENDING) is not None:
        raise NeedsTransaction("a second write")
    session.info[_PENDING] = write


def deferred(session: AsyncSession) -> DeferredWrite | None:
    """The write ``defer`` kept, if any."""
    found: DeferredWrite | None = session.info.get(_PENDING)
    return found


def needs_transaction(session: AsyncSession, why: str) -> None:
    """Call before a write that cannot be deferred (an effect): in a deferring session it raises."""
    if deferring(session):
        raise NeedsTransaction(why)
