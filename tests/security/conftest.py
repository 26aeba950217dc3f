"""Attacks as the demo personas would try them: the same seeded API as tests/api, one database per test.

Each module here is named after the rule it proves (``test_<rule>.py``); each test reproduces one way
the rule was or could be sidestepped and shows it refused, on SQLite and (ASNFLOW_TEST_BACKEND=postgres)
PostgreSQL.
"""

from tests.api.conftest import demo

__all__ = ["demo"]
