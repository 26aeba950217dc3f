"""A TCP proxy on 127.0.0.1 between an asnflow server process and PostgreSQL, that a test can cut and restore.

It runs its own event loop in a thread, so it keeps forwarding while the test blocks (starting a server
process waits with ``time.sleep``). ``cut()`` closes every open connection and stops listening (a new
connection is refused, as by a database that is down); ``restore()`` listens again on the same port.
``freeze()`` keeps every connection open but forwards nothing (a network partition: packets vanish and
nobody answers); ``thaw()`` lets the held bytes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator


class PgProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.accepted = 0
        self._flowing: asyncio.Event | None = None

    # ------------------------------------------------------------------ running in the proxy's loop

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                assert self._flowing is not None
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        assert self._flowing is not None
        await self._flowing.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        self._writers.update((client_writer, up_writer))
        try:
            await asyncio.gather(self._pipe(client_reader, up_writer), self._pipe(up_reader, client_writer))
        finally:
            self._writers.difference_update((client_writer, up_writer))

    async def _listen(self) -> None:
        if self._flowing is None:
            self._flowing = asyncio.Event()
            self._flowing.set()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._handle, sock=sock)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            # an abortive close (RST), as when the database host goes away
            transport = writer.transport
            with contextlib.suppress(Exception):
                transport.abort()
        self._writers.clear()

    # ------------------------------------------------------------------ called from the test

    def _call(self, coro: object, timeout: float = 10.0) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self._call(self._cut())

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        self._call(self._listen())

    def freeze(self) -> None:
        """Forward nothing, on open and new connections alike, until ``thaw``."""
        assert self._flowing is not None
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def thaw(self) -> None:
        assert self._flowing is not None
        self._loop.call_soon_threadsafe(self._flowing.set)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.thaw()
            self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def url_for(self, database_url: str) -> str:
        """``database_url`` with its host and port replaced by the proxy's."""
        scheme, rest = database_url.split("://", 1)
        user_host, _, db = rest.partition("/")
        user = user_host.rsplit("@", 1)[0] + "@" if "@" in user_host else ""
        return f"{scheme}://{user}127.0.0.1:{self.port}/{db}"


@contextlib.contextmanager
def pg_proxy(database_url: str) -> Iterator[PgProxy]:
    """A running proxy in front of the PostgreSQL server of ``database_url``; stopped on exit."""
    rest = database_url.split("://", 1)[1]
    hostport = rest.partition("/")[0].rsplit("@", 1)[-1]
    host, _, port = hostport.partition(":")
    proxy = PgProxy(host or "127.0.0.1", int(port or 5432))
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
