"""A subscription shows its viewer nothing a query would not: the read rule is asked again for every change.

Against a real server: an outsider cannot subscribe to a request they cannot read and is told exactly what
they would be told of an id that does not exist; a reader whose grant is revoked hears nothing of the next
change (the server counts it as withheld) and hears again once the grant is back; ``taskAssigned`` sends
only the tasks ``myTasks`` would list. Absence is shown by order, never by waiting: a later change the
subscriber may see arrives, and the forbidden one did not come before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from server.db import Database
from server.seed import persona_user_ids
from tests.multiprocess.servers import Server
from tests.security.live_helpers import (
    GRANT,
    REQUEST_CHANGED,
    REVOKE,
    TASK_ASSIGNED,
    Live,
    acted,
    as_user,
    propose_training,
    propose_transfer,
    subscribed,
    wait_metric,
    worked_on,
)
from tests.security.transport_helpers import one_server, session

MISSING_ID = "987654321"


@pytest.fixture
async def people(seeded_db: Database) -> dict[str, str]:
    return await persona_user_ids(seeded_db)


@pytest.fixture
def server(seeded_db_url: str, tmp_path: Path) -> Iterator[Server]:
    with one_server(seeded_db_url, tmp_path) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


async def test_an_outsider_cannot_subscribe_to_a_request_they_cannot_read_and_hears_what_a_missing_id_hears(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    """The head of another unit asks for the changes of an employee's training request."""
    training = await propose_training(http, server, people["employee"])
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["target_head"])
        unreadable = await live.refusal(await live.subscribe(REQUEST_CHANGED, id=training["id"]))
        missing = await live.refusal(await live.subscribe(REQUEST_CHANGED, id=MISSING_ID))
    assert unreadable["extensions"]["code"] == missing["extensions"]["code"] == "NOT_FOUND"
    assert unreadable["message"].replace(training["id"], "<id>") == missing["message"].replace(MISSING_ID, "<id>")
    assert unreadable["message"] == f"request {training['id']} does not exist"


async def test_task_assigned_sends_an_outsider_nothing_of_requests_outside_their_inbox(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    """The target head hears of the transfer into their unit, and of nothing that came before it."""
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["target_head"])
        inbox = await live.subscribe(TASK_ASSIGNED)
        await subscribed(http, server, "taskAssigned")

        training = await propose_training(http, server, people["employee"])  # a task for the employee's own head
        await acted(http, server, people["unit_head"], training["id"], "approve")
        await wait_metric(http, server, "asnflow_subscription_events_total", 2, subscription="taskAssigned")
        transfer = await propose_transfer(http, server, people["unit_head"], people["employee"])

        first = (await live.next_data(inbox))["taskAssigned"]
    assert first["request"]["id"] == transfer["id"], "the training's tasks were never the target head's"


async def test_a_revoked_grant_stops_delivery_at_the_next_change_and_a_new_one_resumes_it(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    auditor, admin = people["auditor"], people["admin"]
    request = await propose_transfer(http, server, people["unit_head"], people["employee"])
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(auditor)
        changes = await live.subscribe(REQUEST_CHANGED, id=request["id"])
        await subscribed(http, server, "requestChanged")
        accepted = await acted(http, server, people["target_head"], request["id"], "accept")
        assert (await live.next_data(changes))["requestChanged"]["version"] == accepted["version"]

        revoked = await as_user(http, server, admin, REVOKE, input={"userId": auditor, "role": "auditor"})
        assert revoked["revokeRole"]["errors"] == [], revoked
        withheld = await worked_on(http, server, "requestChanged", "withheld")
        await acted(http, server, people["bkd_verifier"], request["id"], "verify")
        await wait_metric(
            http,
            server,
            "asnflow_subscription_events_total",
            withheld + 1,
            subscription="requestChanged",
            outcome="withheld",
        )  # the server worked on the change and sent nothing

        granted = await as_user(http, server, admin, GRANT, input={"userId": auditor, "role": "auditor"})
        assert granted["grantRole"]["errors"] == [], granted
        recommended = await acted(http, server, people["board_member"], request["id"], "recommend")
        heard = (await live.next_data(changes))["requestChanged"]
    assert (heard["state"], heard["version"]) == (recommended["state"], recommended["version"]), (
        "the change made while the grant was revoked was never sent"
    )


async def test_task_assigned_sends_a_task_only_to_whom_my_tasks_lists_it(
    server: Server, people: dict[str, str], http: httpx.AsyncClient
) -> None:
    """The employee whose transfer is proposed does not hear of the heads' tasks on it; of their own training, yes."""
    async with session(server) as ws:
        live = Live(ws)
        await live.sign_in(people["employee"])
        inbox = await live.subscribe(TASK_ASSIGNED)
        await subscribed(http, server, "taskAssigned")

        await propose_transfer(http, server, people["unit_head"], people["employee"])
        training = await propose_training(http, server, people["employee"])
        approved = await acted(http, server, people["unit_head"], training["id"], "approve")

        first = (await live.next_data(inbox))["taskAssigned"]
    assert (first["request"]["id"], first["request"]["state"]) == (training["id"], approved["state"])
