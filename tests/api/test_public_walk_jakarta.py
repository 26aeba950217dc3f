"""The jakarta seed (65,000 employees, every unit) walked as an anonymous client: ``publicStatistics`` of every
unit, every field, for the last evaluated year and the current one, shows no name, no NIP and no count of 1 to
4 people (``tests.api.public_walk``). Seeding jakarta takes about two minutes, so it is done once here."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from schema.app import create_app
from server.db import Database
from server.seed import REFERENCE_DATE
from tests.api.public_walk import every_unit_and_name, walk
from tests.conftest import seeded_database
from tests.schema.conftest import Api, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jakarta_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with seeded_database("jakarta", tmp_path_factory.mktemp("jakarta")) as (url, _):
        yield url


async def test_every_unit_of_jakarta_walked_anonymously_shows_nobody(jakarta_url: str) -> None:
    db = Database(jakarta_url)
    settings = make_settings(jakarta_url, today=REFERENCE_DATE)
    try:
        units, names = await every_unit_and_name(db)
        assert len(units) > 900 and len(names) > 40_000  # distinct names
        transport = httpx.ASGITransport(app=create_app(settings, db))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            api = Api(client, settings, db)  # no token is ever sent: every query is anonymous
            for year in (REFERENCE_DATE.year - 1, REFERENCE_DATE.year):
                assert await walk(api, units, names, year) == {}
    finally:
        await db.dispose()
