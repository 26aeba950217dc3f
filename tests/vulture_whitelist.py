# ruff: noqa
"""Names vulture sees no use of in the packages, yet are used: read by tests/test_dead_code.py's vulture run.

Add a name here (bare, one line each, with where it is called from) only when its caller is outside the four
packages (tests, bench, a string that uvicorn or a subprocess imports); code nobody calls is deleted instead.
"""

reset_enforcer  # policies/enforcer.py: tests reload the policy file (tests/policies/test_propagation.py)
app_from_env  # schema/commands.py: the uvicorn factory, named by the string "schema.commands:app_from_env"
user_id_from_token  # server/auth.py: bench/bare.py, the hand-written baseline server
upgrade_async  # server/migrate.py: bench/bench_authz.py
age_on  # server/seed/calendar.py: tests/server/test_seed*.py check the seeded ages
tick  # workflows/cli.py: the API tests run the scheduler with a pinned day
eligibility_explained  # workflows/eligibility.py: tests check the eligible list against the guards
on_stream_result  # schema/extension_group.py: strawberry calls it for each streamed result (subscriptions)
watching  # server/statements_seen.py: the statement counts of tests/schema/conftest.py and bench/run_all.py
_in_expanding  # server/sql.py: SQLAlchemy's @compiles calls it to render InParam on SQLite
_equals_any  # server/sql.py: SQLAlchemy's @compiles calls it to render InParam on PostgreSQL
