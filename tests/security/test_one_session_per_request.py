"""One database connection per request: a query with many root fields cannot take many pool connections.

Found: every resolver (and several helpers inside one resolver) opened its own session, so a query with a
dozen root fields checked out a dozen connections at once, and a few such requests exhausted the pool.
Now a request's reads share one connection (``Database.one_session_per_request``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphql
from sqlalchemy import event

from schema.core_schema import graphql_schema
from schema.plan.plan import make_plan
from schema.schema import schema
from server.db import Database
from server.seed import TRANSFER_TARGET_POSITION
from tests.api.helpers import TMT, DemoApi, proposed

COMPOSITE = """query($id: ID!, $nip: String!) {
  viewer { userId employee { nip position { code } } }
  positions(first: 20) { totalCount edges { node { code unit { code parent { code } } holders { nip } } } }
  employees(first: 20) { edges { node { nip rank { code } } } }
  employee(nip: $nip) { nip assignments { startDate position { code } } evaluations { year } }
  unit(code: "KEL-GAMBIR-01") { code parent { code } }
  units(first: 5) { edges { node { code } } }
  request(id: $id) { id subject { nip } openTasks { step request { id subject { nip } } } availableActions { action } }
  requests(first: 10) { totalCount edges { node { id subject { nip } history { seq } } } }
  myTasks(first: 10) { edges { node { id request { id subject { nip } } } } }
  explain(action: "release", requestId: $id) { allowed }
  a: position(code: "KEL-GAMBIR-01-PLK1") { code holders { nip } }
  b: position(code: "KEL-GAMBIR-02-PLK1") { code holders { nip } }
}"""


class Checkouts:
    """Connections taken from the pool, and the most held at one time."""

    def __init__(self) -> None:
        self.taken = 0
        self.held = 0
        self.most_held = 0

    def out(self, *_: Any) -> None:
        self.taken += 1
        self.held += 1
        self.most_held = max(self.most_held, self.held)

    def back(self, *_: Any) -> None:
        self.held -= 1


@contextmanager
def counting_checkouts(db: Database) -> Iterator[Checkouts]:
    counts = Checkouts()
    engine = db.engine.sync_engine
    event.listen(engine, "checkout", counts.out)
    event.listen(engine, "checkin", counts.back)
    try:
        yield counts
    finally:
        event.remove(engine, "checkout", counts.out)
        event.remove(engine, "checkin", counts.back)


async def transfer_proposed(demo: DemoApi) -> str:
    """The employee proposes a transfer of themselves: a request with open tasks for the unit head."""
    return await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )


async def test_a_query_with_many_root_fields_takes_one_connection(demo: DemoApi) -> None:
    rid = await transfer_proposed(demo)
    with counting_checkouts(demo.db) as checkouts:
        data = await demo.ask("unit_head", COMPOSITE, id=rid, nip=demo.uid("employee"))
    assert data["request"]["openTasks"][0]["request"]["subject"]["nip"] == demo.uid("employee")
    assert data["myTasks"]["edges"]
    assert checkouts.taken == 1
    assert checkouts.held == 0  # given back when the request ended


async def test_a_mutation_reads_its_own_write_on_the_shared_connection(demo: DemoApi) -> None:
    """The write path keeps its own transaction; the payload read after it sees the new request."""
    with counting_checkouts(demo.db) as checkouts:
        rid = await transfer_proposed(demo)
    assert rid
    assert checkouts.most_held <= 2  # the request's reads, and the write transaction
    assert checkouts.held == 0


async def test_the_inbox_read_as_rows_shares_the_requests_connection_and_sees_each_new_request(
    demo: DemoApi,
) -> None:
    """The projected inbox reads on the request's connection without an ORM session (Core rows); the
    positions page next to it reads through the session on the same connection. Each read's transaction ends
    with its block, so the next request's inbox sees a request proposed in between (a snapshot kept open
    would hide it on SQLite)."""
    query = (
        "{ myTasks(first: 50) { edges { node { id request { id state subject { nip } } } } } "
        "positions(first: 5) { edges { node { code holders { nip } } } } }"
    )
    document = graphql.parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    plan = make_plan(graphql_schema(schema), operation)
    assert plan is not None and [s.projected for s in plan.steps] == [True, False]

    with counting_checkouts(demo.db) as checkouts:
        before = await demo.ask("unit_head", query)
    assert checkouts.taken == 1 and checkouts.held == 0
    rid = await transfer_proposed(demo)
    after = await demo.ask("unit_head", query)
    assert rid not in [e["node"]["request"]["id"] for e in before["myTasks"]["edges"]]
    assert rid in [e["node"]["request"]["id"] for e in after["myTasks"]["edges"]]
    assert after["positions"] == before["positions"]
