"""progress fresh: unfunded figures per reporting period (reasons_progress), a daily snapshot per region
(progress_snapshot); school_progress loses what depended on today's date (reasons_period, reasons_status,
reasons_due: worked out when read) and what duplicated another figure (graded = hardship − without_hardship_level,
unfunded_with/without_reason: now per period)

Revision ID: 0012_progress_fresh
Revises: 0011_circulars
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_progress_fresh"
down_revision = "0011_circulars"
branch_labels = None
depends_on = None

DROPPED = ("graded", "reasons_period", "reasons_status", "reasons_due", "unfunded_with_reason",
           "unfunded_without_reason")


def upgrade():
    op.create_table(
        "reasons_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("unfunded_with_reason", sa.Integer(), nullable=False),
        sa.Column("unfunded_without_reason", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], name=op.f("fk_reasons_progress_school_id_school")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reasons_progress")),
        sa.UniqueConstraint("school_id", "period", name=op.f("uq_reasons_progress_school_id")),
    )
    with op.batch_alter_table("reasons_progress") as batch_op:
        batch_op.create_index("ix_reasons_progress_term", ["term"], unique=False)
    op.create_table(
        "progress_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("schools", "uploaded", "hardship", "verified", "funded", "unaided", "submitted")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_snapshot")),
        sa.UniqueConstraint("day", "term", "region_code", name=op.f("uq_progress_snapshot_day")),
    )
    # The period each row counted at its last refresh keeps its figures; `flask refresh-progress` fills the others.
    op.execute(
        "INSERT INTO reasons_progress (school_id, term, period, unfunded_with_reason, unfunded_without_reason) "
        "SELECT school_id, term, reasons_period, unfunded_with_reason, unfunded_without_reason FROM school_progress "
        "WHERE reasons_period IS NOT NULL AND unfunded_with_reason + unfunded_without_reason > 0")
    with op.batch_alter_table("school_progress") as batch_op:
        for name in DROPPED:
            batch_op.drop_column(name)


def downgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.add_column(sa.Column("graded", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reasons_period", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("unfunded_with_reason", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("unfunded_without_reason", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("reasons_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reasons_due", sa.Date(), nullable=True))
    op.execute("UPDATE school_progress SET graded = hardship - without_hardship_level, reasons_period = term")
    op.execute(
        "UPDATE school_progress SET "
        "unfunded_with_reason = COALESCE((SELECT r.unfunded_with_reason FROM reasons_progress r "
        "WHERE r.school_id = school_progress.school_id AND r.period = school_progress.term), 0), "
        "unfunded_without_reason = COALESCE((SELECT r.unfunded_without_reason FROM reasons_progress r "
        "WHERE r.school_id = school_progress.school_id AND r.period = school_progress.term), 0)")
    op.drop_table("progress_snapshot")
    with op.batch_alter_table("reasons_progress") as batch_op:
        batch_op.drop_index("ix_reasons_progress_term")
    op.drop_table("reasons_progress")
