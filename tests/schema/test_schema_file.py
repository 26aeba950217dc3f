"""schema/schema.graphql is what the code exports: clients read the checked-in file, so it must be current."""

from pathlib import Path

from schema.schema import schema

SCHEMA_FILE = Path(__file__).parents[2] / "schema" / "schema.graphql"


def test_the_checked_in_schema_matches_the_code() -> None:
    current = schema.as_str() + "\n"
    assert SCHEMA_FILE.read_text() == current, "schema/schema.graphql is stale: run `.venv/bin/python -m schema.export`"


def test_the_api_contract_names_are_present() -> None:
    sdl = schema.as_str()
    for name in (
        "viewer: Viewer!",
        "unit(code: String!): Unit",
        "positions(filter: PositionFilter",
        "employees(filter: EmployeeFilter",
        "registerEmployee(input: RegisterEmployeeInput!): EmployeePayload!",
        "upsertPosition(input: UpsertPositionInput!): PositionPayload!",
        "holders(asOf: Date",
        "vacancies: Int!",
    ):
        assert name in sdl
