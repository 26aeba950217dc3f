"""The query cost limit: an operation asking for too many rows is refused before it runs a statement.

Found: 30 aliases of ``positions(first: 100)`` with holders nested under each passed the depth, alias and
token limits, ran 20 s, answered 27 MB and held every pooled connection. The cost (``schema/cost.py``) is
the number of field resolutions, ``first`` times nested lists, every alias and fragment counted; the
console's pages and the README's tour stay well under the default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from bench.run_all import MY_TASKS_QUERY, POSITIONS_QUERY
from schema.cost import LIST_ESTIMATE, CostModel
from schema.schema import schema
from server.seed import TRANSFER_TARGET_POSITION
from server.settings import Settings, load_settings
from tests.api.helpers import MY_TASKS, TMT, DemoApi, proposed
from tests.schema.conftest import StatementCounter

PAGE = "edges { node { code title quota vacancies unit { code name } holders { nip name rank { code name } } } }"
FLOOD = "{ " + " ".join(f"p{i}: positions(first: 100) {{ {PAGE} }}" for i in range(30)) + " }"
FLOOD_BY_FRAGMENT = (
    "{ " + " ".join(f"p{i}: positions(first: 100) {{ ...page }}" for i in range(30)) + " }"
    " fragment page on PositionConnection { " + PAGE + " }"
)
README = Path(__file__).parents[2] / "README.md"


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    settings = Settings()
    model = CostModel(default_page=settings.default_page_size, max_page=settings.max_page_size)
    return model.measure(schema._schema, operation, fragments, variables or {})[0]


def readme_operations() -> list[str]:
    """Every operation of the README's tour, placeholders filled."""
    operations = []
    for block in re.findall(r"```graphql\n(.*?)```", README.read_text(), re.S):
        for part in block.split("\n\n"):
            text = "\n".join(line for line in part.splitlines() if not line.startswith("#")).strip()
            for chunk in re.split(r"\n(?=mutation|\{)", text):
                if chunk.strip():
                    operations.append(re.sub(r"<[^>]+>", "1", chunk))
    return operations


async def test_thirty_aliases_of_a_nested_100_row_page_are_refused_before_any_sql(demo: DemoApi) -> None:
    with StatementCounter(demo.db) as statements:
        response = await demo.client.post("/graphql", json={"query": FLOOD})
    assert statements.count == 0
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    expected = f"{cost(FLOOD):,}"
    assert error["message"].startswith(f"this query would resolve {expected} fields, over the limit of 25,000")
    assert "(ASNFLOW_MAX_QUERY_COST)" in error["message"]


async def test_a_signed_in_flood_is_refused_too(demo: DemoApi) -> None:
    response = await demo.post(FLOOD, as_user=demo.uid("admin"))
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_fragments_are_counted_where_they_are_spread(demo: DemoApi) -> None:
    assert cost(FLOOD_BY_FRAGMENT) == cost(FLOOD)
    with StatementCounter(demo.db) as statements:
        response = await demo.client.post("/graphql", json={"query": FLOOD_BY_FRAGMENT})
    assert statements.count == 0
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_fragments_that_double_each_other_are_refused_before_validation_expands_them(demo: DemoApi) -> None:
    """Thirty fragments each spreading the next twice: 2^30 fields in a 1.2 KB document. strawberry's alias
    and depth limiters expand fragments without memory and never finished; the memoised count refuses it."""
    doubling = " ".join(f"fragment f{i} on Query {{ ...f{i + 1} ...f{i + 1} }}" for i in range(30))
    document = "{ ...f0 } " + doubling + " fragment f30 on Query { __typename }"
    with StatementCounter(demo.db) as statements:
        response = await demo.client.post("/graphql", json={"query": document})
    assert statements.count == 0
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["message"].startswith(f"this query would resolve {2**30:,} fields")


def test_every_alias_counts_and_first_multiplies_down_the_lists() -> None:
    one = cost("{ positions(first: 100) { edges { node { code holders { nip } } } } }")
    assert one == 1 + 1 + 100 * 3 + 100 * LIST_ESTIMATE
    two = cost(
        "{ a: positions(first: 100) { edges { node { code holders { nip } } } } "
        "b: positions(first: 100) { edges { node { code holders { nip } } } } }"
    )
    assert two == 2 * one


def test_first_is_read_from_variables_and_defaults_to_the_page_size() -> None:
    query = "query($n: Int) { positions(first: $n) { edges { node { code } } } }"
    assert cost(query, {"n": 100}) == 2 + 100 * 2
    assert cost(query, {}) == 2 + Settings().default_page_size * 2
    assert cost(query, {"n": 10_000}) == 2 + Settings().max_page_size * 2  # counted at the cap, refused by the resolver


@pytest.mark.parametrize("operation", readme_operations())
def test_every_query_of_the_readme_tour_is_under_the_default_limit(operation: str) -> None:
    assert cost(operation) <= Settings().max_query_cost


async def test_the_consoles_pages_pass(demo: DemoApi) -> None:
    await proposed(
        demo,
        "employee",
        "proposeTransfer",
        employeeNip=demo.uid("employee"),
        targetPositionCode=TRANSFER_TARGET_POSITION,
        effectiveDate=TMT,
    )
    positions = await demo.ask("admin", POSITIONS_QUERY)
    assert len(positions["positions"]["edges"]) == 50
    tasks = await demo.ask("unit_head", MY_TASKS_QUERY)
    assert tasks["myTasks"]["edges"][0]["node"]["request"]["subject"]["nip"] == demo.uid("employee")
    full_inbox = await demo.ask("unit_head", MY_TASKS)  # 100 tasks with open tasks and actions: the largest page
    assert full_inbox["myTasks"]["edges"]


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASNFLOW_MAX_QUERY_COST", "500")
    assert load_settings().max_query_cost == 500
    monkeypatch.delenv("ASNFLOW_MAX_QUERY_COST")
    assert load_settings().max_query_cost == 25_000
