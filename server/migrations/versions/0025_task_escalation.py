"""task escalation state: when an overdue task was reminded and escalated, and which task an added
assignee's row escalates
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_from", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_tasks_escalated_from_tasks"), "tasks", ["escalated_from"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_tasks_escalated_from_tasks"), type_="foreignkey")
        batch_op.drop_column("escalated_from")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")
