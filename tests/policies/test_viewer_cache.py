"""A process reuses a token holder's viewer for a moment, and never across a policy change it has seen."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from policies import notify
from policies.enforcer import get_enforcer
from policies.viewer import Grant, Viewer, ViewerCache, forget_viewers

DAY = dt.date(2026, 11, 28)


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> Viewer:
        self.calls += 1
        return Viewer(user_id="ani", grants=(Grant("unit_hr"),) * self.calls)


async def test_the_second_request_of_a_user_reuses_the_viewer() -> None:
    cache, load = ViewerCache(ttl=60), Loader()
    first = await cache.viewer(load, "ani", DAY)
    assert await cache.viewer(load, "ani", DAY) is first
    assert load.calls == 1


async def test_another_day_or_another_user_loads_again() -> None:
    cache, load = ViewerCache(ttl=60), Loader()
    await cache.viewer(load, "ani", DAY)
    await cache.viewer(load, "ani", DAY + dt.timedelta(days=1))
    await cache.viewer(load, "budi", DAY)
    assert load.calls == 3


async def test_a_policy_change_seen_by_the_process_drops_every_cached_viewer() -> None:
    cache, load = ViewerCache(ttl=60), Loader()
    await cache.viewer(load, "ani", DAY)
    forget_viewers()
    assert len((await cache.viewer(load, "ani", DAY)).grants) == 2


async def test_a_notified_policy_version_drops_cached_viewers() -> None:
    cache, load = ViewerCache(ttl=60), Loader()
    await cache.viewer(load, "ani", DAY)
    notify.apply_version((get_enforcer().db_version or 0) + 1)
    await cache.viewer(load, "ani", DAY)
    assert load.calls == 2


async def test_a_viewer_loaded_while_a_change_commits_is_not_kept() -> None:
    cache = ViewerCache(ttl=60)
    calls = 0

    async def load_during_a_grant_change() -> Viewer:
        nonlocal calls
        calls += 1
        forget_viewers()  # the grant transaction commits while this load reads the old grants
        return Viewer(user_id="ani")

    await cache.viewer(load_during_a_grant_change, "ani", DAY)
    await cache.viewer(load_during_a_grant_change, "ani", DAY)
    assert calls == 2


async def test_a_viewer_is_reloaded_after_its_time_to_live(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("policies.viewer.time.monotonic", lambda: clock[0])
    cache, load = ViewerCache(ttl=2), Loader()
    await cache.viewer(load, "ani", DAY)
    clock[0] += 1.9
    await cache.viewer(load, "ani", DAY)
    clock[0] += 0.2
    await cache.viewer(load, "ani", DAY)
    assert load.calls == 2


class SlowLoader(Loader):
    """A load that waits until released, so that requests can come while it reads."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.fail = False

    async def __call__(self) -> Viewer:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            self.fail = False
            raise ConnectionError("the database went away")
        return Viewer(user_id="ani", grants=(Grant("unit_hr"),) * self.calls)


async def test_requests_that_come_while_a_viewer_loads_wait_for_that_load() -> None:
    cache, load = ViewerCache(ttl=60), SlowLoader()
    requests = [asyncio.create_task(cache.viewer(load, "ani", DAY)) for _ in range(5)]
    await asyncio.sleep(0)
    load.release.set()
    viewers = await asyncio.gather(*requests)
    assert load.calls == 1
    assert all(v is viewers[0] for v in viewers)


async def test_a_request_waiting_on_a_load_loads_again_when_a_policy_change_is_seen_meanwhile() -> None:
    cache, load = ViewerCache(ttl=60), SlowLoader()
    first = asyncio.create_task(cache.viewer(load, "ani", DAY))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cache.viewer(load, "ani", DAY))
    await asyncio.sleep(0)
    forget_viewers()  # a grant change commits while the first load reads the old grants
    after_the_change = asyncio.create_task(cache.viewer(load, "ani", DAY))  # does not join the old load
    await asyncio.sleep(0)
    load.release.set()
    await asyncio.gather(first, waiting, after_the_change)
    assert load.calls == 3
    assert len(waiting.result().grants) > 1 and len(after_the_change.result().grants) > 1


async def test_when_the_shared_load_fails_each_waiting_request_loads_for_itself() -> None:
    cache, load = ViewerCache(ttl=60), SlowLoader()
    load.fail = True
    first = asyncio.create_task(cache.viewer(load, "ani", DAY))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(cache.viewer(load, "ani", DAY))
    await asyncio.sleep(0)
    load.release.set()
    with pytest.raises(ConnectionError):
        await first
    assert (await waiting).user_id == "ani"
    assert load.calls == 2


async def test_a_time_to_live_of_zero_loads_every_time() -> None:
    cache, load = ViewerCache(ttl=0), Loader()
    await cache.viewer(load, "ani", DAY)
    await cache.viewer(load, "ani", DAY)
    assert load.calls == 2
