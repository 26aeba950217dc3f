"""Audit verification that a deleted checkpoint file cannot fool (issue 9, item 9).

The attacker can write the database (triggers off, as in tests/server/test_audit_tamper.py) and may
reach the files beside it, but has not the checkpoint key. Once a key exists, checkpoints were
signed: a checkpoint file that is gone, emptied or rewound to an older copy fails verification with
a sentence saying what to do, through ``asnflow audit verify`` (exit 1) and ``auditVerification``
alike. Every checkpoint is used, so a rewrite is located between two of them, and a swap of two
events is named a reordering. With no key at all (a fresh demo) verification works as it always did.
"""

from __future__ import annotations

import shutil

import orjson
import pytest
from sqlalchemy import update

from server.audit.checkpoint import CheckpointError
from server.audit.verified import verified_path
from server.models import AuditEvent
from tests.api.helpers import DemoApi
from tests.security.audit_checkpoint_helpers import (
    checkpoint,
    head_seq,
    more_events,
    settings_of,
    verify_api,
    verify_cli,
)
from tests.server.test_audit_tamper import attack, events, rewrite_from

Capsys = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
async def a_log_with_history(demo: DemoApi) -> None:
    """The seeded demo starts with an empty log; a log in use has events before its first checkpoint."""
    await more_events(demo, 3)


async def cut_tail_to(demo: DemoApi, seq: int) -> None:
    """Delete every event after ``seq`` and move the chain head back to it: a cut the chain cannot see."""
    await attack(
        demo.db,
        f"DELETE FROM audit_events WHERE seq > {seq}",
        f"UPDATE audit_head SET seq = {seq}, hash = (SELECT hash FROM audit_events WHERE seq = {seq})",
    )
    assert await head_seq(demo) == seq


async def test_with_no_checkpoint_key_a_fresh_demo_verifies_as_before(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 0 and verdict.out.startswith("the chain holds")
    assert "no checkpoint in" in verdict.err and "asnflow audit checkpoint" in verdict.err
    api = await verify_api(demo)
    assert api["ok"] is True and api["problem"] is None
    assert not verified_path(settings_of(demo)).exists(), "no key: nothing is signed or recorded"


async def test_a_deleted_checkpoint_file_fails_once_a_key_exists(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    signed = await checkpoint(demo)
    await more_events(demo, 2)
    settings_of(demo).checkpoint_file.unlink()
    await cut_tail_to(demo, signed.seq - 1)

    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1
    assert "cannot trust the checkpoint file" in verdict.err
    assert "is missing, but the checkpoint key" in verdict.err and "restore it from its copy" in verdict.err
    api = await verify_api(demo)
    assert (api["ok"], api["problem"]) == (False, "checkpoint")
    assert "is missing, but the checkpoint key" in api["explanation"]


async def test_an_auditor_holding_only_the_public_key_refuses_a_missing_file(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    await checkpoint(demo)
    settings = settings_of(demo)
    published = demo.tmp_path / "published.pub"
    shutil.copy(settings.checkpoint_key_file.with_name("checkpoint.key.pub"), published)
    for path in (settings.checkpoint_key_file, settings.checkpoint_key_file.with_name("checkpoint.key.pub")):
        path.unlink()
    settings.checkpoint_file.unlink()
    verdict = await verify_cli(demo, monkeypatch, capsys, "--public-key", str(published))
    assert verdict.status == 1 and "a checkpoint public key" in verdict.err and "is missing" in verdict.err


async def test_an_emptied_checkpoint_file_fails(demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys) -> None:
    await checkpoint(demo)
    settings_of(demo).checkpoint_file.write_bytes(b"")
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1 and "holds no checkpoint, but the checkpoint key" in verdict.err
    api = await verify_api(demo)
    assert (api["ok"], api["problem"]) == (False, "checkpoint") and "holds no checkpoint" in api["explanation"]


async def test_an_older_copy_of_the_checkpoint_file_fails(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    settings = settings_of(demo)
    old = await checkpoint(demo)
    older_copy = settings.checkpoint_file.read_bytes()
    await more_events(demo, 3)
    await checkpoint(demo)
    assert (await verify_cli(demo, monkeypatch, capsys)).status == 0  # records what it verified

    # the attack: the file rewound to its older, correctly signed copy, and the log cut back to match it
    settings.checkpoint_file.write_bytes(older_copy)
    await cut_tail_to(demo, old.seq)

    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1
    assert "was replaced by an older copy" in verdict.err and "restore the current file" in verdict.err
    api = await verify_api(demo)
    assert (api["ok"], api["problem"]) == (False, "checkpoint") and "older copy" in api["explanation"]


async def test_checkpoints_taken_out_of_the_file_fail(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    settings = settings_of(demo)
    for _ in range(3):
        await checkpoint(demo)
        await more_events(demo, 1)
    assert (await verify_cli(demo, monkeypatch, capsys)).status == 0
    lines = settings.checkpoint_file.read_bytes().splitlines(keepends=True)
    settings.checkpoint_file.write_bytes(lines[0] + lines[2])
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1 and "checkpoints were taken out of the file" in verdict.err


async def test_a_tail_cut_back_below_the_last_verified_head_fails(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    """Events after the newest checkpoint are pinned by the last verification that saw them."""
    await checkpoint(demo)
    verified = await more_events(demo, 4)
    assert (await verify_cli(demo, monkeypatch, capsys)).status == 0
    await cut_tail_to(demo, verified - 2)

    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1
    assert f"audit chain broken at event {verified - 1} (truncated): the head verified at" in verdict.out
    api = await verify_api(demo)
    assert (api["ok"], api["firstBrokenSeq"], api["problem"]) == (False, verified - 1, "truncated")


async def test_a_forged_verified_head_record_fails(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    await checkpoint(demo)
    await more_events(demo, 2)
    assert (await verify_cli(demo, monkeypatch, capsys)).status == 0
    record = verified_path(settings_of(demo))
    doc = orjson.loads(record.read_bytes().splitlines()[-1])
    record.write_bytes(orjson.dumps({**doc, "seq": doc["seq"] - 2}) + b"\n")
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1 and "has a bad signature" in verdict.err


async def test_a_rewrite_is_located_between_the_two_checkpoints_around_it(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys
) -> None:
    first = await checkpoint(demo)
    await more_events(demo, 4)
    second = await checkpoint(demo)
    await more_events(demo, 4)
    third = await checkpoint(demo)
    tampered = first.seq + 2  # a middle event, between the first and the second checkpoint
    await rewrite_from(demo.db, tampered)
    assert (await verify_cli(demo, monkeypatch, capsys, "--no-checkpoint")).status == 0, "a consistent rewrite"

    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1
    assert f"audit chain broken at event {second.seq} (rewritten)" in verdict.out
    assert f"rewritten from an event between {first.seq + 1} and {second.seq}" in verdict.out
    api = await verify_api(demo)
    assert (api["ok"], api["problem"]) == (False, "rewritten")
    assert api["lastIntactSeq"] < tampered <= api["firstBrokenSeq"]
    assert (api["lastIntactSeq"], api["firstBrokenSeq"]) == (first.seq, second.seq)
    assert third.seq > second.seq


@pytest.mark.parametrize("apart", [1, 4], ids=["neighbours", "four-apart"])
async def test_two_swapped_events_are_reported_as_reordered(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: Capsys, apart: int
) -> None:
    head = await more_events(demo, 6)
    a, b = head - 5, head - 5 + apart
    await attack(
        demo.db,
        update(AuditEvent).where(AuditEvent.seq == a).values(seq=-1),
        update(AuditEvent).where(AuditEvent.seq == b).values(seq=a),
        update(AuditEvent).where(AuditEvent.seq == -1).values(seq=b),
    )
    verdict = await verify_cli(demo, monkeypatch, capsys)
    assert verdict.status == 1
    assert f"audit chain broken at event {a} (reordered): events {a} and {b} were reordered" in verdict.out
    api = await verify_api(demo)
    assert (api["ok"], api["firstBrokenSeq"], api["problem"]) == (False, a, "reordered")


async def test_a_cut_log_cannot_be_checkpointed_over(demo: DemoApi) -> None:
    """A scheduled ``asnflow audit checkpoint`` must not sign the attacker's shorter log."""
    signed = await checkpoint(demo)
    await cut_tail_to(demo, signed.seq - 1)
    with pytest.raises(CheckpointError, match="behind the newest checkpoint"):
        await checkpoint(demo)
    assert await head_seq(demo) == signed.seq - 1
    assert len(await events(demo.db)) == signed.seq - 1
