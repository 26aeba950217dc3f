"""A policy change made in one process reaches the others by NOTIFY, not by the periodic check.

The peer's periodic check is an hour away, so any answer within seconds came by LISTEN/NOTIFY. How
fast (the "within a second" target) is measured by ``bench/bench_propagation.py``, not here: a timed
assertion on a shared, noisy machine would test the machine.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from policies.admin import grant_role
from policies.enforcer import DEFAULT_POLICY_PATH, get_enforcer, reset_enforcer
from policies.notify import bump_policy_version, start_policy_listener
from policies.viewer import Grant, Viewer
from server.db import Database
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
NOTIFY_BOUND = 5.0  # seconds; far below the peer's hourly periodic check
ROOT_ADMIN = Viewer(user_id="root", grants=(Grant("admin"),))


async def next_line(proc: asyncio.subprocess.Process, within: float = 10) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), within)
    return line.decode().strip()


async def line_matching(proc: asyncio.subprocess.Process, wanted: str, within: float = 5) -> str:
    """The first line equal to ``wanted``. The peer may print one line in between: it can read the
    viewer's grants just before the commit and decide just after the reload it triggers."""
    deadline = time.monotonic() + within
    while True:
        line = await next_line(proc, within=max(deadline - time.monotonic(), 0.01))
        if line == wanted:
            return line


async def test_the_periodic_check_reloads_when_the_version_moved(db: Database, db_url: str) -> None:
    enforcer = reset_enforcer()
    stop = await start_policy_listener(db_url, interval=0.05)
    try:
        generation = enforcer.generation
        async with db.write() as s:
            version = await bump_policy_version(s)
        for _ in range(100):
            if enforcer.generation > generation:
                break
            await asyncio.sleep(0.02)
        assert enforcer.generation > generation and enforcer.db_version == version
    finally:
        await stop()


@pytest.mark.postgres
async def test_a_grant_and_a_policy_edit_in_one_process_reach_another_by_notify(pg_url: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.csv"
    shutil.copyfile(DEFAULT_POLICY_PATH, policy)
    env = {**os.environ, "ASNFLOW_POLICY_FILE": str(policy), "PYTHONPATH": str(ROOT)}
    peer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.policies.policy_peer", pg_url, "budi", "placement", "sign",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    db = Database(pg_url)
    try:
        assert await next_line(peer) == "ready"
        assert await next_line(peer) == "refused 0"

        # an edit of the policy file alone changes nothing until a change is announced
        original = policy.read_text()
        policy.write_text(original + "p, bkd_verifier, placement, sign\n")
        async with db.write() as s:  # the grant bumps the version and NOTIFYs on commit
            await f.user(s, "budi")  # a grant goes to a known user
            await grant_role(s, ROOT_ADMIN, user_id="budi", role="bkd_verifier", unit_code=None)
        assert await line_matching(peer, "allowed 1", within=NOTIFY_BOUND) == "allowed 1"

        policy.write_text(original)  # withdraw the permission, announce it as `asnflow policy reload` does
        async with db.write() as s:
            await bump_policy_version(s)
        assert await line_matching(peer, "refused 2", within=NOTIFY_BOUND) == "refused 2"
    finally:
        peer.terminate()
        await peer.wait()
        await db.dispose()
        reset_enforcer()
    assert get_enforcer().path == DEFAULT_POLICY_PATH
