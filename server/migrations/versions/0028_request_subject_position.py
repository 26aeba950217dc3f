"""a request can be about a position (a formasi change): ``workflow_requests.subject_position_id``

A quota change (formasi, ``QUOTA_CHANGE``) is about a position, not a person. ``subject_employee_id`` stays
NOT NULL (``WorkflowRequest.subject: Employee!`` is in the published contract): for such a request it is the
official who proposes it and answers for the workload figures; the position it is about is this new
nullable column (foreign key to positions, indexed: "one unfinished quota change per position" reads it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"


def upgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.add_column(sa.Column("subject_position_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_workflow_requests_subject_position_id_positions"), "positions", ["subject_position_id"], ["id"]
        )
        batch.create_index(op.f("ix_workflow_requests_subject_position_id"), ["subject_position_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.drop_index(op.f("ix_workflow_requests_subject_position_id"))
        batch.drop_constraint(op.f("fk_workflow_requests_subject_position_id_positions"), type_="foreignkey")
        batch.drop_column("subject_position_id")
