"""index ``workflow_requests.position_id``: the guards' vacancy count reads it on every step

``slot_vacant`` counts the requests decided into the step's position whose effects are not applied yet
(``workflows.facts``, one branch of the guards' statement). Without an index on ``position_id``, PostgreSQL's
generic plan for that statement scans every request, so it planned the statement afresh on every step
(about 1 ms of the database's time per act, more than the statement's execution); with it the generic plan
reads a position's few requests and is kept. The column is also a foreign key to positions, which a
position's removal checks.
"""

from alembic import op

revision = "0030"
down_revision = "0029"


def upgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.create_index(op.f("ix_workflow_requests_position_id"), ["position_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workflow_requests") as batch:
        batch.drop_index(op.f("ix_workflow_requests_position_id"))
