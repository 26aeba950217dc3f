"""the competency catalogue and the competencies positions require (by position type or per position)."""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0021"


def upgrade() -> None:
    op.create_table(
        "competencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('technical', 'managerial', 'socio-cultural')", name=op.f("ck_competencies_kind_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competencies")),
        sa.UniqueConstraint("code", name=op.f("uq_competencies_code")),
    )
    op.create_table(
        "competency_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position_type", sa.String(length=20), nullable=True),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("competency_code", sa.String(length=60), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_competency_requirements_level_range")),
        sa.CheckConstraint(
            "(position_type IS NULL) <> (position_id IS NULL)",
            name=op.f("ck_competency_requirements_type_or_position"),
        ),
        sa.ForeignKeyConstraint(
            ["competency_code"],
            ["competencies.code"],
            name=op.f("fk_competency_requirements_competency_code_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"], ["positions.id"], name=op.f("fk_competency_requirements_position_id_positions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_requirements")),
    )
    op.create_index("ix_competency_requirements_type", "competency_requirements", ["position_type"], unique=False)
    op.create_index("ix_competency_requirements_position", "competency_requirements", ["position_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_competency_requirements_position", table_name="competency_requirements")
    op.drop_index("ix_competency_requirements_type", table_name="competency_requirements")
    op.drop_table("competency_requirements")
    op.drop_table("competencies")
