"""hardship level missing: each school's count of library students still without a 困难等级 (003), kept in its
progress row like the other figures

Revision ID: 0006_hardship_level_missing
Revises: 0005_library_hardship_types
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_hardship_level_missing"
down_revision = "0005_library_hardship_types"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.add_column(sa.Column("without_hardship_level", sa.Integer(), nullable=False, server_default="0"))
    # Rows written before this revision get the figure now, as HardshipStudent.lacks_hardship_level() counts it.
    op.execute(
        "UPDATE school_progress SET without_hardship_level = ("
        "SELECT count(*) FROM hardship_student h WHERE h.school_id = school_progress.school_id "
        "AND h.term = school_progress.term AND h.active "
        "AND (h.source = 'matched' OR h.review_status = 'approved') "
        "AND h.hardship_level IS NULL AND (h.in_school IS NULL OR h.in_school))")


def downgrade():
    with op.batch_alter_table("school_progress") as batch_op:
        batch_op.drop_column("without_hardship_level")
