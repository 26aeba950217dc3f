"""The second server process of bench/bench_propagation.py: reports each decision change the moment it can.

    python -m bench.propagation_peer DATABASE_URL USER_ID OBJ ACTION [POLL_MS]

Modelled on tests/policies/policy_peer.py. It starts the policy listener as a server does
(``start_policy_listener``) with the periodic check an hour away, so only LISTEN/NOTIFY can bring a
change quickly; prints ``ready``, then ``allowed N`` or ``refused N`` (N: the policy version it has
loaded) whenever the answer or N changes, followed by ``reload_ms=`` (the casbin reload the
notification triggered) and ``answer_ms=`` (the viewer load and the decision afterwards).

It does not poll the database. With ``POLL_MS`` 0 (the default) it wakes on the reload itself: the
enforcer's ``reload`` is wrapped to set an event, which the notification callback (run on this
process's event loop) triggers, so the line is printed as soon as the loop is free, with no polling
interval in the figure. With ``POLL_MS`` > 0 it instead checks the enforcer's generation every
``POLL_MS`` milliseconds (the test peer's way, which polls every 20 ms).

The viewer comes through a ``ViewerCache`` with an hour's lifetime, as the server keeps viewers
(schema/app.py): the grant change reaches the answer only because the notification made this process
forget its cached viewers, not because the grant was read again by chance.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sys
import time
from typing import Any

from policies.decide import decide
from policies.enforcer import get_enforcer
from policies.notify import start_policy_listener
from policies.viewer import ViewerCache, load_viewer
from server.db import Database


async def main(url: str, user_id: str, obj: str, action: str, poll_ms: float = 0.0) -> None:
    db = Database(url)
    enforcer = get_enforcer()
    woken = asyncio.Event()
    reload_ms = [0.0]
    original = enforcer.reload

    def reload(db_version: int | None = None) -> None:
        started = time.perf_counter()
        original(db_version)
        reload_ms[0] = (time.perf_counter() - started) * 1000
        woken.set()

    enforcer.reload = reload  # type: ignore[method-assign]
    stop = await start_policy_listener(url, interval=3600)
    cache = ViewerCache(ttl=3600)
    today = dt.date.today()

    async def load() -> Any:
        async with db.read() as session:
            return await load_viewer(session, user_id, today)

    print("ready", flush=True)
    last: tuple[bool, int | None] | None = None
    seen_generation = -1
    try:
        while True:
            if enforcer.generation != seen_generation or last is None:
                seen_generation, version = enforcer.generation, enforcer.db_version  # before the viewer load
                started = time.perf_counter()
                viewer = await cache.viewer(load, user_id, today)
                now = (decide(viewer, obj=obj, action=action, unit_path=None).allowed, version)
                answer_ms = (time.perf_counter() - started) * 1000
                if now != last:
                    word = "allowed" if now[0] else "refused"
                    print(f"{word} {now[1]} reload_ms={reload_ms[0]:.2f} answer_ms={answer_ms:.2f}", flush=True)
                    last = now
            if poll_ms > 0:
                await asyncio.sleep(poll_ms / 1000)
            else:
                await woken.wait()
                woken.clear()
    finally:
        await stop()
        await db.dispose()


if __name__ == "__main__":
    argv = sys.argv[1:]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(*argv[:4], poll_ms=float(argv[4]) if len(argv) > 4 else 0.0))
