"""Generated queries and mutations (valid and invalid) never give a 500 or leak internals.

ASNFLOW_FUZZ_EXAMPLES sets how many documents each test draws (default 300; the nightly-style run
in bench/ uses thousands).
"""

from __future__ import annotations

import datetime as dt
import os

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from schema.schema import schema
from tests.schema.conftest import Api

SDL = schema.as_str()
EXAMPLES = int(os.environ.get("ASNFLOW_FUZZ_EXAMPLES", "300"))


def _json(d: dict[str, str]) -> graphql.ObjectValueNode:
    return graphql.ObjectValueNode(
        fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=graphql.StringValueNode(value=v))
            for k, v in d.items()
        )
    )


SCALARS = {
    "Date": st.dates(dt.date(1950, 1, 1), dt.date(2035, 12, 31)).map(
        lambda d: graphql.StringValueNode(value=d.isoformat())
    ),
    "DateTime": st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 1, 1)).map(
        lambda d: graphql.StringValueNode(value=d.isoformat() + "Z")
    ),
    "JSON": st.dictionaries(
        st.sampled_from(["answer", "decreeNo", "result", "behaviour"]), st.text(max_size=8), max_size=2
    ).map(_json),
}
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
USERS = ["admin", "198708202008041001", None]


def _check(status: int, text: str) -> None:
    assert status in (200, 400), (status, text[:500])
    assert "Traceback" not in text and "Unexpected error." not in text, text[:1000]


@FUZZ
@given(document=from_schema(SDL, custom_scalars=SCALARS), user=st.sampled_from(USERS))
async def test_generated_operations_never_fail_inside(demo_api: Api, document: str, user: str | None) -> None:
    response = await demo_api.post(document, as_user=user)
    _check(response.status_code, response.text)


@FUZZ
@given(document=from_schema(SDL, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
async def test_invalid_documents_are_refused_cleanly(demo_api: Api, document: str) -> None:
    response = await demo_api.post(document, as_user="admin")
    _check(response.status_code, response.text)
