"""Real ``asnflow serve`` processes and Debian's headless chromium, for the console's browser tests.

On SQLite one server process serves every browser; with ``ASNFLOW_TEST_BACKEND=postgres`` two processes
share the database and each persona's browser talks to its own, so a live update has to cross processes.
Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it): playwright's own
browser download is never used. Every page records console errors and uncaught exceptions; a test
fails if any appear.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from server.auth import issue_token
from server.db import Database
from server.seed import persona_user_ids
from server.settings import Settings
from tests.conftest import BACKEND

# The browser tests wait for what a page shows (a wait, not a timing assertion): on a busy shared CI machine
# playwright's default of 5 s was short for mermaid's first drawing.
expect.set_options(timeout=30_000)

CHROMIUM = Path("/usr/bin/chromium")
SECRET = "console-browser-test-secret-0123456789abcdef"
TODAY = "2026-11-28"  # server.seed.REFERENCE_DATE
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = os.environ.get("ASNFLOW_CONSOLE_SCREENSHOTS")  # e.g. docs/console: the README's pictures


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_servers(database_url: str, count: int, workdir: Path, extra_env: dict[str, str]) -> list[Server]:
    servers = []
    for i in range(count):
        port = free_port()
        env = {
            **os.environ,
            "ASNFLOW_DATABASE_URL": database_url,
            "ASNFLOW_SECRET": SECRET,
            "ASNFLOW_TODAY": TODAY,
            "ASNFLOW_ENV": "dev",
            "ASNFLOW_CHECKPOINT_FILE": str(workdir / "checkpoints.jsonl"),
            "ASNFLOW_CHECKPOINT_KEY": str(workdir / "checkpoint.key"),
            **extra_env,
        }
        log = workdir / f"serve-{i}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "asnflow"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        servers.append(Server(f"http://127.0.0.1:{port}", process, log))
    deadline = time.monotonic() + 60
    for server in servers:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"asnflow serve exited:\n{server.log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"asnflow serve did not start:\n{server.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
    return servers


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(10)


@contextlib.contextmanager
def serving(database_url: str, workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[list[Server]]:
    servers = start_servers(database_url, 2 if BACKEND == "postgres" else 1, workdir, extra_env or {})
    try:
        yield servers
    finally:
        stop_servers(servers)


@dataclass
class Console:
    """The running console: its servers (one, or two on PostgreSQL), the personas, and an API client."""

    servers: list[Server]
    people: dict[str, str]
    db: Database
    errors: list[str] = field(default_factory=list)

    def url(self, index: int = 0) -> str:
        return self.servers[index % len(self.servers)].url

    async def graphql(self, persona: str, query: str, **variables: Any) -> dict[str, Any]:
        token = issue_token(Settings(secret=SECRET), self.people.get(persona, persona))
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                f"{self.url(0)}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium (.ci/run does)")
    return CHROMIUM


@pytest.fixture
async def console(seeded_db: Database, seeded_db_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    people = await persona_user_ids(seeded_db)
    with serving(seeded_db_url, tmp_path, {"ASNFLOW_DEMO_SIGN_IN": "1"}) as servers:
        yield Console(servers, people, seeded_db)


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


async def open_page(browser: Any, errors: list[str], *, mobile: bool = False) -> Any:
    """A page in a fresh context (its own session storage: one person), recording console errors."""
    viewport = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=viewport, accept_downloads=True)
    page = await context.new_page()
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.set_default_timeout(30_000)
    return page


async def screenshot(page: Any, name: str) -> None:
    """With ASNFLOW_CONSOLE_SCREENSHOTS=docs/console, the README's pictures are taken from the tests."""
    if SCREENSHOTS:
        await page.screenshot(
            path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True
        )  # playwright makes the folder


async def sign_in(page: Any, base_url: str, user_id: str) -> None:
    await page.goto(f"{base_url}/")
    await page.click(f"button.persona[data-user='{user_id}']")
    await page.wait_for_selector("#viewer-name")
