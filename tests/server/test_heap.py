"""A served process freezes its start-up heap, so full garbage collections skip it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_uvicorn_factory_freezes_what_start_up_built(tmp_path: Path) -> None:
    code = (
        "import gc\n"
        "from schema.commands import app_from_env\n"
        "before = gc.get_freeze_count()\n"
        "app_from_env()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    env = {
        **os.environ,
        "ASNFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'heap.db'}",
        "ASNFLOW_SECRET": "heap-test-secret-0123456789abcdef0123",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    before, after = (int(x) for x in done.stdout.split())
    assert before == 0
    assert after > 50_000  # the schema, models and libraries: tens of thousands of long-lived objects
