"""The compiled read path: a validated query planned once per document, answered without graphql-core's
field-by-field execution where the plan covers it (schema/plan/plan.py owns the plan)."""
