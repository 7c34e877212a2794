"""parent notices: the province's template, each school's notice settings, who was told; progress.notified

Revision ID: 0013_notices
Revises: 0012_progress_fresh
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_notices"
down_revision = "0012_progress_fresh"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("school_paragraph_allowed", sa.Boolean(), nullable=False),
        sa.Column("updated_by_name", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_template")),
    )
    op.create_table(
        "notice_school_settings",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("school_paragraph", sa.Text(), nullable=True),
        sa.Column("apply_by", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_notice_school_settings_school_id_school")),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_notice_school_settings")),
    )
    op.create_table(
        "notice_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["by_user_id"], ["user_account.id"], name=op.f("fk_notice_record_by_user_id_user_account")),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_notice_record_school_id_school")),
        sa.ForeignKeyConstraint(["student_id"], ["hardship_student.id"],
                                name=op.f("fk_notice_record_student_id_hardship_student"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_record")),
    )
    with op.batch_alter_table("notice_record") as batch_op:
        batch_op.create_index("ix_notice_record_school_term_student", ["school_id", "term", "student_id"], unique=False)
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.add_column(sa.Column("notified", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.drop_column("notified")
    with op.batch_alter_table("notice_record") as batch_op:
        batch_op.drop_index("ix_notice_record_school_term_student")
    op.drop_table("notice_record")
    op.drop_table("notice_school_settings")
    op.drop_table("notice_template")
