"""The demo API as the personas use it: one seeded database per test, judged on the seed's reference date."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.db import Database
from server.seed import persona_user_ids
from tests.api.helpers import DemoApi, open_demo_api


@pytest.fixture
async def demo(seeded_db: Database, seeded_db_url: str, tmp_path: Path) -> AsyncIterator[DemoApi]:
    people = await persona_user_ids(seeded_db)
    async with open_demo_api(seeded_db, seeded_db_url, people, tmp_path) as api:
        yield api
