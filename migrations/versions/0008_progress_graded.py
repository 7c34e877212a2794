"""progress graded: each school's library students with a 困难等级, for the oversight drill-down

Revision ID: 0008_progress_graded
Revises: 0007_deadline_calendar
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_progress_graded"
down_revision = "0007_deadline_calendar"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.add_column(sa.Column("graded", sa.Integer(), nullable=False, server_default="0"))
    # Rows written before this revision get the figure now, as refresh_progress() would count it
    # (HardshipStudent.counted(): active, and matched or an approved manual addition).
    op.execute(
        "UPDATE school_progress SET graded = ("
        "SELECT count(*) FROM hardship_student s WHERE s.school_id = school_progress.school_id "
        "AND s.term = school_progress.term AND s.active AND s.hardship_level IS NOT NULL "
        "AND (s.source = 'matched' OR s.review_status = 'approved'))")


def downgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.drop_column("graded")
