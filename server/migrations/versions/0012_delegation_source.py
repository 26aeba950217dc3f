"""a delegation's source grant

A delegation applies only while the delegator's own grant does: ``role_grants.delegated_from`` names
that grant, so revoking or ending it ends every delegation made from it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("role_grants") as batch:
        batch.add_column(sa.Column("delegated_from", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_role_grants_delegated_from"), ["delegated_from"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_role_grants_delegated_from_role_grants"), "role_grants", ["delegated_from"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("role_grants") as batch:
        batch.drop_constraint(batch.f("fk_role_grants_delegated_from_role_grants"), type_="foreignkey")
        batch.drop_index(batch.f("ix_role_grants_delegated_from"))
        batch.drop_column("delegated_from")
