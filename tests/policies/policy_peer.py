"""The second server process of the propagation test: listens, then reports each decision change.

Run as ``python -m tests.policies.policy_peer DATABASE_URL USER_ID OBJ ACTION``; prints ``ready``, then
``allowed N`` or ``refused N`` whenever the answer or the policy version N it has loaded changes.
The periodic reload is set to an hour, so only LISTEN/NOTIFY can make it change quickly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from policies.decide import decide
from policies.enforcer import get_enforcer
from policies.notify import start_policy_listener
from policies.viewer import load_viewer
from server.db import Database


async def main(url: str, user_id: str, obj: str, action: str) -> None:
    db = Database(url)
    stop = await start_policy_listener(url, interval=3600)
    print("ready", flush=True)
    last: tuple[bool, int | None] | None = None
    try:
        while True:
            async with db.read() as session:
                viewer = await load_viewer(session, user_id, dt.date.today())
            now = (decide(viewer, obj=obj, action=action, unit_path=None).allowed, get_enforcer().db_version)
            if now != last:
                print("allowed" if now[0] else "refused", now[1], flush=True)
                last = now
            await asyncio.sleep(0.02)
    finally:
        await stop()
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
