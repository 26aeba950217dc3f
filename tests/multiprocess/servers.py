"""Real ``asnflow`` server processes on loopback ports, and a GraphQL client that speaks to them over HTTP.

``running_servers(url, count)`` starts ``count`` uvicorn processes of ``schema.commands:app_from_env``
(each its own app, engine and pool, exactly as ``asnflow serve`` runs a worker), waits for ``/healthz``
and always terminates them, then kills any that ignore SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from server.auth import issue_token
from server.settings import Settings

SECRET = "multiprocess-test-secret-0123456789abcdef"
TODAY = "2026-11-28"  # server.seed.REFERENCE_DATE: the seeded world's "today"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

ACT = """
mutation Act($input: ActInput!) {
  act(input: $input) { request { id state version } errors { code field message } }
}
"""

PROPOSE_PLACEMENT = """
mutation Propose($input: ProposePlacementInput!) {
  proposePlacement(input: $input) { request { id state } errors { code field message } }
}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def token(user_id: str) -> str:
    return issue_token(Settings(secret=SECRET), user_id)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASNFLOW_DATABASE_URL=database_url,
        ASNFLOW_SECRET=SECRET,
        ASNFLOW_TODAY=TODAY,
        ASNFLOW_ENV="dev",
        ASNFLOW_CHECKPOINT_FILE=str(workdir / "checkpoints.jsonl"),
        ASNFLOW_CHECKPOINT_KEY=str(workdir / "checkpoint.key"),
    )
    return env


def _start(database_url: str, workdir: Path, index: int) -> Server:
    port = free_port()
    log = workdir / f"server-{index}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "schema.commands:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=server_env(database_url, workdir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(port, process, log)


def _wait_healthy(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"server on port {server.port} exited ({server.process.returncode}):\n{server.log_text()}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {server.port} not healthy after {START_TIMEOUT}s:\n{server.log_text()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def running_servers(database_url: str, count: int, workdir: Path) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for i in range(count):
            servers.append(_start(database_url, workdir, i))
        deadline = time.monotonic() + START_TIMEOUT
        for server in servers:
            _wait_healthy(server, deadline)
        yield servers
    finally:
        for server in servers:
            _stop(server)


async def graphql(
    client: httpx.AsyncClient, server: Server, query: str, variables: dict[str, Any], user_id: str
) -> dict[str, Any]:
    response = await client.post(
        f"{server.base_url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token(user_id)}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]
