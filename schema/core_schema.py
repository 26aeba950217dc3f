"""The graphql-core schema behind a strawberry schema: the one place that reads it.

strawberry (0.341) has no public accessor for the ``GraphQLSchema`` it builds; its own printer and
``ValidationCache`` read the ``_schema`` attribute. Reading it here, and only here, keeps that
dependency in one line that tests/schema/test_no_private_access.py allows; nothing is written to it.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLSchema


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    built: GraphQLSchema = schema._schema
    return built
