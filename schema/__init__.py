"""The GraphQL surface: types, queries, mutations, pagination, errors and the ASGI app that serves them."""
