"""Closed vocabularies as enums beside the contract's strings: the same sets, the same answers."""

from __future__ import annotations

from schema.types.vocabulary import PositionType, RankCode
from server.domain.positions import POSITION_TYPES
from server.domain.ranks import RANK_CODES
from server.seed import persona_user_ids
from tests.schema.conftest import Api


def test_the_enums_are_exactly_the_domains_vocabularies() -> None:
    assert tuple(t.value for t in PositionType) == POSITION_TYPES
    assert tuple(r.value for r in RankCode) == RANK_CODES


async def test_a_position_answers_its_type_as_a_string_and_as_the_enum(demo_api: Api) -> None:
    data = await demo_api.query("{ positions(first: 50) { edges { node { type positionType } } } }")
    nodes = [e["node"] for e in data["positions"]["edges"]]
    assert nodes and all(n["type"] == n["positionType"] for n in nodes)


async def test_the_enum_filter_finds_what_the_string_filter_finds(demo_api: Api) -> None:
    query = "query($f: PositionFilter) { positions(filter: $f, first: 100) { totalCount } }"
    by_string = await demo_api.query(query, {"f": {"type": "PELAKSANA"}})
    by_enum = await demo_api.query(query, {"f": {"positionType": "PELAKSANA"}})
    assert by_enum == by_string and by_string["positions"]["totalCount"] > 0
    clash = await demo_api.post(query, {"f": {"type": "PELAKSANA", "positionType": "FUNGSIONAL"}})
    assert "disagree" in clash.json()["errors"][0]["message"]


async def test_a_rank_answers_its_code_as_a_string_and_as_the_enum_and_filters_by_it(demo_api: Api) -> None:
    admin = (await persona_user_ids(demo_api.db))["admin"]
    query = "query($f: EmployeeFilter) { employees(filter: $f, first: 100) { totalCount edges { node { rank { code rankCode } } } } }"
    by_enum = await demo_api.query(query, {"f": {"rankCode": "III_A"}}, as_user=admin)
    by_string = await demo_api.query(query, {"f": {"rank": "III/a"}}, as_user=admin)
    assert by_enum == by_string and by_enum["employees"]["totalCount"] > 0
    assert {e["node"]["rank"]["rankCode"] for e in by_enum["employees"]["edges"]} == {"III_A"}
    assert {e["node"]["rank"]["code"] for e in by_enum["employees"]["edges"]} == {"III/a"}
