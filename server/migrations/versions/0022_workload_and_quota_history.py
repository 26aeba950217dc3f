"""workload analysis (ABK) tasks per position, and the history of each position's approved headcount (formasi)

Every existing position gets one quota row: its current quota, in force since its record began (valid_from NULL)
and open, so an as-of read of any date answers what the registry said before the history existed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0025"


def upgrade() -> None:
    op.create_table(
        "position_workloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("annual_volume", sa.Integer(), nullable=False),
        sa.Column("norm_hours", sa.Float(), nullable=False),
        sa.CheckConstraint("annual_volume > 0", name=op.f("ck_position_workloads_volume_positive")),
        sa.CheckConstraint("norm_hours > 0", name=op.f("ck_position_workloads_norm_positive")),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_position_workloads_position_id_positions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_workloads")),
        sa.UniqueConstraint("position_id", "task", name="one_row_per_task"),
    )
    op.create_index("ix_position_workloads_position_id", "position_workloads", ["position_id"], unique=False)
    op.create_table(
        "position_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quota >= 0", name=op.f("ck_position_quotas_quota_not_negative")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_position_quotas_to_after_from"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_position_quotas_position_id_positions")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["workflow_requests.id"], name=op.f("fk_position_quotas_request_id_workflow_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_quotas")),
    )
    op.create_index("ix_position_quotas_position_from", "position_quotas", ["position_id", "valid_from"], unique=False)
    op.execute("INSERT INTO position_quotas (position_id, quota) SELECT id, quota FROM positions ORDER BY id")


def downgrade() -> None:
    op.drop_index("ix_position_quotas_position_from", table_name="position_quotas")
    op.drop_table("position_quotas")
    op.drop_index("ix_position_workloads_position_id", table_name="position_workloads")
    op.drop_table("position_workloads")
