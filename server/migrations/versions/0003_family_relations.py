"""declared family relations."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "family_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("relative_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.CheckConstraint("employee_id <> relative_id", name=op.f("ck_family_relations_not_oneself")),
        sa.CheckConstraint(
            "kind IN ('spouse', 'parent', 'child', 'sibling', 'in_law')", name=op.f("ck_family_relations_kind_code")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_family_relations_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["relative_id"], ["employees.id"], name=op.f("fk_family_relations_relative_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_relations")),
        sa.UniqueConstraint("employee_id", "relative_id", name="one_tie_per_pair"),
    )
    op.create_index("ix_family_relations_relative", "family_relations", ["relative_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_family_relations_relative", table_name="family_relations")
    op.drop_table("family_relations")
