"""personnel records entered through the write path: service-exam certificates, assessments, education,
and the reason a sanction ended early on appeal
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0017"


def upgrade() -> None:
    op.create_table(
        "service_exam_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("opens_group", sa.String(length=3), nullable=False),
        sa.Column("certificate_no", sa.String(length=80), nullable=False),
        sa.Column("passed_on", sa.Date(), nullable=False),
        sa.CheckConstraint("opens_group IN ('III', 'IV')", name=op.f("ck_service_exam_certificates_group_code")),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_service_exam_certificates_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_exam_certificates")),
        sa.UniqueConstraint("employee_id", "opens_group", name="one_certificate_per_group"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("potential_score", sa.Integer(), nullable=False),
        sa.Column("potential_class", sa.String(length=6), nullable=False),
        sa.Column("report_no", sa.String(length=80), nullable=False),
        sa.CheckConstraint("potential_score BETWEEN 0 AND 100", name=op.f("ck_assessments_score_range")),
        sa.CheckConstraint("potential_class IN ('low', 'middle', 'high')", name=op.f("ck_assessments_class_code")),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name=op.f("fk_assessments_employee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index("ix_assessments_employee_date", "assessments", ["employee_id", "assessed_on"], unique=False)
    op.create_table(
        "education_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("graduated_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_education_records_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_records")),
    )
    op.create_index("ix_education_records_employee", "education_records", ["employee_id"], unique=False)
    with op.batch_alter_table("disciplinary_sanctions") as batch:
        batch.add_column(sa.Column("ended_early_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disciplinary_sanctions") as batch:
        batch.drop_column("ended_early_reason")
    op.drop_index("ix_education_records_employee", table_name="education_records")
    op.drop_table("education_records")
    op.drop_index("ix_assessments_employee_date", table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("service_exam_certificates")
