"""task due times stored in UTC on SQLite

Tasks fall due at 23:59 in Jakarta. They were written as a Jakarta time, which SQLite stores without
its offset, so they read back as 23:59 UTC (7 hours late). New tasks are written in UTC (16:59); this
moves the stored ones there. PostgreSQL stored them as timestamptz and is right already.
"""

from alembic import op

revision = "0017"
down_revision = "0012"


def _shift(hours: str, stored_time: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "UPDATE tasks SET due_at = strftime('%Y-%m-%d %H:%M:%f000', due_at, '" + hours + "') "
        "WHERE due_at IS NOT NULL AND time(due_at) = '" + stored_time + "'"
    )


def upgrade() -> None:
    _shift("-7 hours", "23:59:00")


def downgrade() -> None:
    _shift("+7 hours", "16:59:00")
