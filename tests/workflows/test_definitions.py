"""Definitions as data: loadable versions, one shared machine each, diagrams, and the policy they need."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.enforcer import get_enforcer
from tests.workflows.conftest import TODAY, audit_actions, request_row, step
from tests.workflows.factories import World
from workflows import catalog, docs, engine
from workflows.definition import DefinitionError, parse
from workflows.diagram import mermaid
from workflows.effects import EFFECTS
from workflows.guards import GUARDS
from workflows.policy_rows import required_rows
from workflows.service import propose_placement


def test_every_kind_has_a_current_definition_and_old_versions_stay_loadable() -> None:
    assert [d.version for d in catalog.current_definitions()] == [
        "placement/2026.1",
        "transfer/2026.1",
        "transfer_out/2026.1",
        "rank_promotion/2025.1",
        "position_promotion/2025.1",
        "evaluation/2026.1",
        "training/2026.1",
        "evaluation_correction/2026.1",
        "retirement/2026.1",
        "quota_change/2026.1",
    ]
    assert catalog.by_version("placement/2024.1").states["decided"].owners[0].system == "effective_date_reached"


def test_one_shared_machine_per_version_without_auto_transitions() -> None:
    definition = catalog.current("PLACEMENT")
    machine = engine.machine_for(definition)
    assert engine.machine_for(definition) is machine
    assert engine.fire(definition, "proposed", "verify", {}) == "verified"
    assert not machine.models
    assert not [t for t in machine.events if t.startswith("to_")]
    with pytest.raises(engine.TransitionRefused):
        engine.fire(definition, "proposed", "decide", {})


def test_a_definition_naming_an_unknown_guard_is_refused() -> None:
    raw = {
        "kind": "PLACEMENT",
        "version": "x/1",
        "initial": "a",
        "proposal": {"action": "propose", "actors": [{"role": "unit_head"}]},
        "states": {"a": {"owners": [{"role": "unit_head"}]}, "b": {"terminal": True}},
        "actions": [{"name": "go", "kind": "forward", "from": "a", "to": "b", "guards": ["be_nice"]}],
    }
    with pytest.raises(DefinitionError, match="guard 'be_nice' is not a known guard"):
        parse(raw, source="x.yaml", guards=frozenset(GUARDS), effects=frozenset(EFFECTS))


def test_external_steps_mark_the_outside_answers_and_must_name_actions() -> None:
    external = {d.kind: sorted({a.name for a in d.actions if a.external}) for d in catalog.current_definitions()}
    assert external["RANK_PROMOTION"] == ["record_bkn_answer"]
    assert external["TRANSFER_OUT"] == ["record_bkn_answer", "record_home_affairs_decision", "record_receiving_answer"]
    raw = {
        "kind": "PLACEMENT",
        "version": "x/1",
        "initial": "a",
        "external_steps": ["record_answer"],
        "proposal": {"action": "propose", "actors": [{"role": "unit_head"}]},
        "states": {"a": {"owners": [{"role": "unit_head"}]}, "b": {"terminal": True}},
        "actions": [{"name": "go", "kind": "forward", "from": "a", "to": "b"}],
    }
    with pytest.raises(DefinitionError, match=r"external_steps \['record_answer'\] name no action"):
        parse(raw, source="x.yaml", guards=frozenset(GUARDS), effects=frozenset(EFFECTS))


def test_each_definition_renders_a_mermaid_diagram_with_every_state() -> None:
    for definition in catalog.all_definitions():
        diagram = mermaid(definition)
        assert diagram.startswith("stateDiagram-v2")
        assert all(state in diagram for state in definition.states)


def test_the_docs_and_the_required_policy_are_current() -> None:
    assert docs.DOCS.read_text(encoding="utf-8") == docs.render(docs.DOCS.read_text(encoding="utf-8"))
    assert docs.REQUIRED_POLICY.read_text(encoding="utf-8") == docs.required_policy()


def test_the_policy_permits_every_step_the_definitions_route() -> None:
    enforcer = get_enforcer()
    missing = [row for row in required_rows(catalog.all_definitions()) if enforcer.permits(*row) is None]
    assert missing == []


async def test_an_in_flight_request_finishes_under_the_version_it_started_with(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = catalog.by_version("placement/2024.1")
    with monkeypatch.context() as patch:
        patch.setattr(catalog, "current", lambda kind: old)
        started = await propose_placement(
            world.db,
            await world.viewer("kabid_a"),
            employee_nip=world.nip("budi"),
            position_code="KASI_A",
            effective_date=dt.date(2026, 3, 1),
            today=TODAY,
        )
    assert started.ok and started.entity_id is not None
    rid = started.entity_id
    newer = await propose_placement(
        world.db,
        await world.viewer("kabid_b"),
        employee_nip=await world.newcomer("nina"),
        position_code="STAFF_B",
        effective_date=dt.date(2026, 3, 1),
        today=TODAY,
    )
    assert newer.entity_id is not None
    assert (await request_row(world.db, newer.entity_id)).definition_version == "placement/2026.1"
    for who, action in [("verifier", "verify"), ("board", "recommend"), ("sekda", "decide")]:
        assert (await step(world, who, rid, action, today=dt.date(2026, 3, 1))).ok
    row = await request_row(world.db, rid)
    assert (row.definition_version, row.state) == ("placement/2024.1", "effective")
    assert "request.issue_decree" not in await audit_actions(world.db, rid)
