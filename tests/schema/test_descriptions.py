"""Every type, field and enum value of the API has a description a client can read.

The walk covers the schema's own types (built-in scalars and introspection types aside). A new field
without a description fails here: write one in the code, or add its coordinate to
``schema/descriptions.yaml``. An entry there that names nothing (a field renamed or removed) fails too.
"""

from __future__ import annotations

from schema.descriptions import missing, stale
from schema.schema import schema
from tests.schema.conftest import Api


def test_every_type_field_and_enum_value_is_described() -> None:
    undescribed = missing(schema._schema)
    assert undescribed == [], "describe these in the code or in schema/descriptions.yaml:\n" + "\n".join(undescribed)


def test_the_catalogue_names_only_what_the_schema_has() -> None:
    assert stale(schema._schema) == []


async def test_clients_read_the_descriptions_by_introspection(api: Api) -> None:
    data = await api.query(
        '{ task: __type(name: "Task") { description fields { name description } }'
        ' kinds: __type(name: "RequestKind") { enumValues { name description } } }'
    )
    assert data["task"]["description"]
    assert all(f["description"] for f in data["task"]["fields"])
    assert all(v["description"] for v in data["kinds"]["enumValues"])
