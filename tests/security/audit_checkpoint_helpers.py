"""Verifying the demo's audit log both ways an auditor can: ``asnflow audit verify`` and ``auditVerification``.

The demo API's settings put the checkpoint file and key in the test's ``tmp_path``; ``settings_of``
rebuilds the same paths, and ``verify_cli`` runs the real command with them in its environment.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from server.audit import cli
from server.audit.checkpoint import Checkpoint, create_checkpoint
from server.audit.queries import read_head
from server.settings import Settings, get_settings
from tests.api.helpers import DemoApi
from tests.server.test_audit_verify import write_events

VERIFICATION = "{ auditVerification { ok checkedEvents firstBrokenSeq problem explanation lastIntactSeq } }"


@dataclass(frozen=True)
class CliVerdict:
    status: int
    out: str
    err: str


def settings_of(demo: DemoApi) -> Settings:
    return Settings(
        database_url=demo.db_url,
        checkpoint_file=demo.tmp_path / "checkpoints.jsonl",
        checkpoint_key_file=demo.tmp_path / "checkpoint.key",
    )


async def checkpoint(demo: DemoApi) -> Checkpoint:
    """``asnflow audit checkpoint``'s work: sign the head into the demo's checkpoint file."""
    return await create_checkpoint(demo.db, settings_of(demo))


async def more_events(demo: DemoApi, count: int) -> int:
    """Append ``count`` events through the one writer; the new head's seq."""
    await write_events(demo.db, count)
    return await head_seq(demo)


async def head_seq(demo: DemoApi) -> int:
    async with demo.db.engine.connect() as conn:
        head = await read_head(conn)
    assert head is not None
    return head[0]


async def verify_cli(
    demo: DemoApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> CliVerdict:
    """``asnflow audit verify ARGV`` with the demo's database and checkpoint paths (in a thread: the
    command runs its own event loop)."""
    settings = settings_of(demo)
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", demo.db_url)
    monkeypatch.setenv("ASNFLOW_CHECKPOINT_FILE", str(settings.checkpoint_file))
    monkeypatch.setenv("ASNFLOW_CHECKPOINT_KEY", str(settings.checkpoint_key_file))
    parser = argparse.ArgumentParser(prog="asnflow")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["audit", "verify", "--workers", "1", *argv])
    capsys.readouterr()
    get_settings.cache_clear()
    try:
        status = await asyncio.to_thread(args.func, args)
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    return CliVerdict(status, captured.out, captured.err)


async def verify_api(demo: DemoApi) -> dict[str, Any]:
    """``auditVerification`` as the demo's auditor."""
    data = await demo.ask("auditor", VERIFICATION)
    verdict: dict[str, Any] = data["auditVerification"]
    return verdict
