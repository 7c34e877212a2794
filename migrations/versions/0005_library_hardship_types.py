"""library hardship types: the one or more of the five categories each 外省下发 person carries

002's 外省户籍特殊困难学生 are each of one of the five types; matching gives the student those categories too.

Revision ID: 0005_library_hardship_types
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_library_hardship_types"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and without a default: adding it rewrites no row of a large library.
    op.add_column("library_record", sa.Column("hardship_types", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("library_record") as batch_op:
        batch_op.drop_column("hardship_types")
