"""How many SQL statements one ``act`` issues: a regression in the write path's cost shows up here first.

One ``verify`` on a placement into KASI_A (a vacant pengawas post) runs six guards, saves the request
under its version check, closes the proposal's task, opens the verified step's task and appends one
audit event. The statements are counted with ``server.statements_seen.watching`` (SQLAlchemy's
``before_cursor_execute`` and the statements sent to asyncpg directly, ``server.driver``), so the count
is exact and does not depend on the machine. When a change adds or removes a statement on purpose,
update ``EXPECTED`` and the list in its comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from server.db import Database
from server.statements_seen import watching
from tests.workflows.conftest import TODAY
from tests.workflows.factories import World
from workflows.service import act, propose_placement

TMT = dt.date(2026, 3, 1)


@contextmanager
def recorded(db: Database) -> Iterator[list[str]]:
    """The SQL statements the engine sends while the block runs, whitespace collapsed."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    with watching(db.engine.sync_engine, record):  # also what goes to the driver (server.driver)
        yield statements


def _outer_from(words: list[str]) -> int:
    """The index of the statement's own FROM, not one of a subquery in its select list."""
    depth = 0
    for index, word in enumerate(words):
        if word.upper() == "FROM" and depth == 0:
            return index
        depth += word.count("(") - word.count(")")
    raise ValueError(" ".join(words))


def summary(statements: list[str]) -> list[str]:
    """Each statement as its verb and first table, e.g. ``SELECT workflow_requests`` (BEGIN alone)."""
    out = []
    for sql in statements:
        words = sql.split()
        verb = words[0].upper()
        if verb == "SELECT" and "FROM" not in [w.upper() for w in words]:
            table = words[1].split("(")[0]  # a function: SELECT pg_notify(...)
        elif verb == "SELECT":
            table = words[_outer_from(words) + 1]
        elif verb == "INSERT":  # INSERT INTO table
            table = words[2]
        elif verb == "UPDATE":
            table = words[1]
        else:
            table = ""
        out.append(f"{verb} {table}".strip())
    return out


async def test_one_verify_issues_a_fixed_number_of_statements(world: World) -> None:
    proposed = await propose_placement(
        world.db,
        await world.viewer("kabid_a"),
        employee_nip=world.nip("budi"),
        position_code="KASI_A",
        effective_date=TMT,
        today=TODAY,
    )
    assert proposed.ok and proposed.entity_id is not None, proposed.errors
    viewer = await world.viewer("verifier")  # read before counting: only the act is measured
    with recorded(world.db) as statements:
        result = await act(world.db, viewer, request_id=proposed.entity_id, action="verify", today=TODAY)
    assert result.ok, result.errors
    assert summary(statements) == EXPECTED[world.db.is_sqlite], "\n".join(statements)


# In order (the count was 15 on PostgreSQL and 16 on SQLite before the request and its context became one
# statement and the guards' facts another; PostgreSQL's audit append became one statement after that, its
# four writes of the step one statement after that, and the two one statement, with no transaction, after that):
#   load:   the request joined with its subject, position, origin position and units; in a transaction on
#           PostgreSQL ``FOR UPDATE OF workflow_requests`` (only the request's row is locked)
#   guards: one UNION ALL answering every fact the six guards read: the holders of KASI_A and the requests
#           decided into it (slot_vacant), Budi's posts (managerial_requirements), his predicates
#           (predicate_last_two_years) and his blocking sanctions (no_active_sanction); the first
#           branch reads assignments. rank_in_position_range and not_near_retirement read no table.
#   save, audit and announce: on PostgreSQL one statement outside a transaction (server/one_statement.py;
#           test_one_statement.py): ``WITH RECURSIVE saved AS (UPDATE workflow_requests ...)``, the versioned
#           UPDATE of the request, INSERT request_approvals, UPDATE tasks, INSERT tasks (test_store_step.py), then,
#           only if the UPDATE matched, lock the audit head, hash in the server, insert the event, move the head
#           and ``pg_notify`` the request changed (sent at commit to every server process: server/events.py);
#           so the load takes no lock either. On SQLite the four writes in turn: the versioned UPDATE, INSERT
#           request_approvals (verify is an approval step: the verifier's, which segregation of duties reads),
#           UPDATE tasks (close the proposal's), INSERT tasks (open the next step's); then SELECT audit_head,
#           INSERT audit_events, UPDATE audit_head (server/audit/writer.py says why), and the bus is fed
#           in-process after commit
# SQLite starts with BEGIN IMMEDIATE (its write lock; it has no FOR UPDATE).
_READ = ["SELECT workflow_requests", "SELECT assignments"]
EXPECTED = {
    False: [*_READ, "WITH"],
    True: [
        "BEGIN",
        *_READ,
        "UPDATE workflow_requests",
        "INSERT request_approvals",
        "UPDATE tasks",
        "INSERT tasks",
        "SELECT audit_head",
        "INSERT audit_events",
        "UPDATE audit_head",
    ],
}
