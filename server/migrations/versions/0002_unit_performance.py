"""unit performance predicates."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "unit_performance",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("predicate", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "predicate IN ('Istimewa', 'Baik', 'Butuh Perbaikan', 'Kurang', 'Sangat Kurang')",
            name=op.f("ck_unit_performance_predicate_code"),
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_unit_performance_year_range")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_performance_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "year", name=op.f("pk_unit_performance")),
    )


def downgrade() -> None:
    op.drop_table("unit_performance")
