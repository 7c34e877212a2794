"""library records indexed by 户籍地 (coalesce(hukou_code, region_prefix)) for the oversight lists by region

Revision ID: 0014_person_lists
Revises: 0013_notices
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_person_lists"
down_revision = "0013_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_library_record_hukou", "library_record", [sa.text("coalesce(hukou_code, region_prefix)")])


def downgrade():
    op.drop_index("ix_library_record_hukou", table_name="library_record")
