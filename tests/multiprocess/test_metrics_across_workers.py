"""``asnflow serve --workers 2``: ``/metrics`` sums every worker, whichever of them answers the scrape."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.multiprocess.servers import ROOT, START_TIMEOUT, free_port, server_env

REQUESTS = 40
COUNT = re.compile(r'^asnflow_graphql_operation_seconds_count\{operation="Ping",type="query"\} (\S+)$', re.M)


@contextlib.contextmanager
def serve_with_workers(url: str, workers: int, workdir: Path) -> Iterator[str]:
    port = free_port()
    cli = str(Path(sys.executable).with_name("asnflow"))
    env = server_env(url, workdir)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with (workdir / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT * 2
        while True:
            assert process.poll() is None, (workdir / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "asnflow serve did not come up"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _pings(metrics: str) -> float:
    found = COUNT.search(metrics)
    return float(found.group(1)) if found else 0.0


@pytest.mark.postgres
def test_every_scrape_counts_the_requests_of_both_workers(pg_url: str, tmp_path: Path) -> None:
    with serve_with_workers(pg_url, 2, tmp_path) as base, httpx.Client(base_url=base, timeout=10.0) as client:
        time.sleep(2.0)  # both workers up: uvicorn starts them one after the other
        for _ in range(REQUESTS):
            # a new connection each time, so the kernel spreads them over both workers' accept queues
            with httpx.Client(base_url=base, timeout=10.0) as fresh:
                assert fresh.post("/graphql", json={"query": "query Ping { __typename }"}).status_code == 200
        scrapes = [client.get("/metrics").text for _ in range(6)]
    assert [_pings(s) for s in scrapes] == [REQUESTS] * 6
    assert "asnflow_db_pool_size" in scrapes[0]
    assert not any(Path(tmp_path).glob("*.db")), "the metrics directory is temporary, not the work directory"
