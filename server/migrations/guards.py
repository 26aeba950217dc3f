"""Rules the database itself enforces, beyond what the ORM's constraints can say portably.

- No two definitive holders of a managerial position over overlapping dates, and no employee in two
  definitive assignments at once: an exclusion constraint on PostgreSQL (btree_gist), triggers on SQLite.
- The audit log is append-only: triggers refuse UPDATE and DELETE on both engines.
"""

from __future__ import annotations

from alembic import op

_SQLITE_OVERLAP = """
CREATE TRIGGER {name} BEFORE {event} ON assignments
WHEN NEW.kind = 'definitive' {extra} AND EXISTS (
  SELECT 1 FROM assignments a
  WHERE a.{column} = NEW.{column} AND a.kind = 'definitive' AND a.id IS NOT NEW.id
    AND a.start_date <= COALESCE(NEW.end_date, '9999-12-31')
    AND COALESCE(a.end_date, '9999-12-31') >= NEW.start_date)
BEGIN SELECT RAISE(ABORT, '{message}'); END
"""

_OVERLAPS = [
    (
        "assignments_one_definitive_holder",
        "position_id",
        "AND NEW.managerial = 1",
        "a managerial position already has a definitive holder in that period",
    ),
    (
        "assignments_one_post_per_employee",
        "employee_id",
        "",
        "the employee already holds a definitive assignment in that period",
    ),
]


def create_guards() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, column, extra, message in _OVERLAPS:
            for event in ("INSERT", "UPDATE"):
                op.execute(
                    _SQLITE_OVERLAP.format(
                        name=f"{name}_{event.lower()}",
                        event=event,
                        column=column,
                        extra=extra,
                        message=message,
                    )
                )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE assignments ADD CONSTRAINT assignments_one_definitive_holder EXCLUDE USING gist "
        "(position_id WITH =, daterange(start_date, end_date, '[]') WITH &&) "
        "WHERE (kind = 'definitive' AND managerial)"
    )
    op.execute(
        "ALTER TABLE assignments ADD CONSTRAINT assignments_one_post_per_employee EXCLUDE USING gist "
        "(employee_id WITH =, daterange(start_date, end_date, '[]') WITH &&) WHERE (kind = 'definitive')"
    )
    op.execute(
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )


def drop_guards() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, *_ in _OVERLAPS:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.execute("ALTER TABLE assignments DROP CONSTRAINT IF EXISTS assignments_one_post_per_employee")
    op.execute("ALTER TABLE assignments DROP CONSTRAINT IF EXISTS assignments_one_definitive_holder")
