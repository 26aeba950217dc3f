"""GraphQL object types; built from ORM rows, nested data filled in by schema/prefetch.py."""
