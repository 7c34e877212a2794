"""hardship students added by hand, indexed by (source, term) for their 学籍重复 look-up

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hardship_student") as batch_op:
        batch_op.create_index("ix_hardship_student_source_term", ["source", "term"], unique=False)


def downgrade():
    with op.batch_alter_table("hardship_student") as batch_op:
        batch_op.drop_index("ix_hardship_student_source_term")
