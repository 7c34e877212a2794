"""progress trim: SchoolProgress loses the figures nothing reads; the homes' to-do counts per group of schools

Revision ID: 0016_progress_trim
Revises: 0015_jobs
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_progress_trim"
down_revision = "0015_jobs"
branch_labels = None
depends_on = None

DROPPED = ("manual_added", "other_province_hukou", "name_mismatches")


def upgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.drop_column("matched_at")
        for name in DROPPED:
            batch_op.drop_column(name)
    # filled by the first write of a term (portal.progress.summary); until then the homes read school by school
    op.create_table(
        "todo_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("stages", sa.String(length=128), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("months_open", sa.Integer(), nullable=False),
        sa.Column("schools", sa.Integer(), nullable=False),
        sa.Column("inactive", sa.Integer(), nullable=False),
        sa.Column("schools_not_uploaded", sa.Integer(), nullable=False),
        sa.Column("schools_unaided", sa.Integer(), nullable=False),
        sa.Column("unfunded_without_reason", sa.Integer(), nullable=False),
        sa.Column("schools_manual_pending", sa.Integer(), nullable=False),
        sa.Column("schools_duplicates", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_todo_summary")),
    )
    with op.batch_alter_table("todo_summary") as batch_op:
        batch_op.create_index("ix_todo_summary_term_period", ["term", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_todo_summary_city_code"), ["city_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_todo_summary_county_code"), ["county_code"], unique=False)


def downgrade():
    with op.batch_alter_table("todo_summary") as batch_op:
        batch_op.drop_index(batch_op.f("ix_todo_summary_county_code"))
        batch_op.drop_index(batch_op.f("ix_todo_summary_city_code"))
        batch_op.drop_index("ix_todo_summary_term_period")
    op.drop_table("todo_summary")
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.add_column(sa.Column("matched_at", sa.DateTime(), nullable=True))
        for name in DROPPED:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    # the figures again, as the writers before this revision counted them
    op.execute(
        "UPDATE school_progress SET matched_at = (SELECT max(u.matched_at) FROM enrolment_upload u"
        " WHERE u.school_id = school_progress.school_id AND u.term = school_progress.term AND u.status = 'current'),"
        " manual_added = (SELECT count(*) FROM hardship_student h WHERE h.school_id = school_progress.school_id"
        " AND h.term = school_progress.term AND h.active AND h.source = 'manual' AND h.review_status = 'approved'),"
        " other_province_hukou = (SELECT count(*) FROM hardship_student h WHERE h.school_id = school_progress.school_id"
        " AND h.term = school_progress.term AND h.active AND (h.source = 'matched' OR h.review_status = 'approved')"
        " AND h.out_of_province),"
        " name_mismatches = (SELECT count(*) FROM hardship_student h WHERE h.school_id = school_progress.school_id"
        " AND h.term = school_progress.term AND h.active AND (h.source = 'matched' OR h.review_status = 'approved')"
        " AND h.name_mismatch)")
