"""graphql-http's own audit (https://github.com/graphql/graphql-http) passes in full against a real server.

``bench/graphql_http/audit.mjs`` runs ``auditServer`` from the npm package pinned in
``bench/graphql_http/package.json`` against a ``uvicorn`` process serving the seeded demo
(``tests.multiprocess.servers``), and prints the MUST failures ("error") and SHOULD failures ("warn").
Before round 2 it reported 0 MUST and 8 SHOULD failures (no ``application/graphql-response+json``);
now both lists must be empty. The package is installed with ``npm ci`` into the folder when missing;
the test is skipped, saying why, only when ``node`` or ``npm`` is not on the machine.

The audit sends about 60 anonymous requests at once from one address, above the anonymous burst a
production server allows (``ASNFLOW_ANONYMOUS_BURST``, 60): the server under audit gets a larger one, or
the audit would grade the rate limiter's 429s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.multiprocess.servers import ROOT, running_servers

AUDIT_DIR = ROOT / "bench" / "graphql_http"
INSTALL_TIMEOUT = 300
AUDIT_TIMEOUT = 120


def _node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run graphql-http's audit (apt-get install nodejs npm)")
    return node, npm


def _install(npm: str) -> None:
    """The pinned package, installed once from the lock file (``node_modules`` is not checked in)."""
    if (AUDIT_DIR / "node_modules" / "graphql-http" / "package.json").exists():
        return
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=AUDIT_DIR, check=True, timeout=INSTALL_TIMEOUT
    )


def _audit(node: str, url: str) -> dict[str, Any]:
    done = subprocess.run(
        [node, "audit.mjs", url], cwd=AUDIT_DIR, capture_output=True, text=True, timeout=AUDIT_TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_graphql_http_audit_reports_no_must_and_no_should_failure(
    seeded_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, npm = _node_tools()
    _install(npm)
    monkeypatch.setenv("ASNFLOW_ANONYMOUS_BURST", "1000")
    with running_servers(seeded_db_url, 1, tmp_path) as [server]:
        report = _audit(node, f"{server.base_url}/graphql")
    assert report["must"] == [], report["must"]
    assert report["should"] == [], report["should"]
    assert report["ok"] > 50  # the audit really ran its checks
