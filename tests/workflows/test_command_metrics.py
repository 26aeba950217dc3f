"""Every command is counted once, in the core's write path: a workflow step a person takes and the
scheduler's step that tick takes alike (tick used to move requests without counting them)."""

from __future__ import annotations

from server.metrics import REGISTRY
from tests.workflows.conftest import step
from tests.workflows.factories import World
from tests.workflows.test_placement import TMT, propose, to_approved
from workflows.cli import tick


def _count(command: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("asnflow_workflow_actions_total", {"command": command, "outcome": outcome}) or 0.0


async def test_a_step_and_a_refused_step_are_counted_by_outcome(world: World) -> None:
    rid = await propose(world)
    ok = _count("act", "ok")
    assert (await step(world, "verifier", rid, "verify")).ok
    again = await step(world, "verifier", rid, "verify")
    (code,) = {e.code.value for e in again.errors}
    before = _count("act", code)
    assert not (await step(world, "verifier", rid, "verify")).ok
    assert _count("act", "ok") == ok + 1
    assert _count("act", code) == before + 1


async def test_tick_counts_each_request_it_moves(world: World) -> None:
    rid = await propose(world)
    await to_approved(world, rid)
    await step(world, "official", rid, "issue_decree", data={"decreeNo": "SK-9"})
    before = _count("tick", "ok")
    assert await tick(world.db, today=TMT) == 1
    assert _count("tick", "ok") == before + 1
    assert await tick(world.db, today=TMT) == 0
    assert _count("tick", "ok") == before + 1
