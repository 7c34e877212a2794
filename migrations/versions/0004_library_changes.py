"""library changes: each batch's added, removed and changed people, stored once instead of recomputed per page

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COMPARED = ("name", "hukou_code", "poverty_status", "dibao_type", "disability_type", "disability_grade",
            "source_province")


def upgrade():
    op.create_table(
        "library_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("before_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["library_batch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("library_change") as batch_op:
        batch_op.create_index("ix_library_change_batch_kind_row", ["batch_id", "kind", "row_number"], unique=False)
    # Batches imported before this revision get their changes now, as diff.store_counts would have stored them.
    distinct = "IS NOT" if op.get_bind().dialect.name == "sqlite" else "IS DISTINCT FROM"
    differs = " OR ".join(f"o.{column} {distinct} n.{column}" for column in COMPARED)
    op.execute(
        "INSERT INTO library_change (batch_id, kind, record_id, before_id, row_number) "
        "SELECT b.id, CASE WHEN o.id IS NULL THEN 'added' ELSE 'changed' END, n.id, o.id, n.row_number "
        "FROM library_batch b JOIN library_record n ON n.batch_id = b.id "
        "LEFT JOIN library_record o ON o.id_hash = n.id_hash AND o.batch_id = b.previous_id "
        f"WHERE b.previous_id IS NOT NULL AND (o.id IS NULL OR {differs})")
    op.execute(
        "INSERT INTO library_change (batch_id, kind, record_id, before_id, row_number) "
        "SELECT b.id, 'removed', o.id, NULL, o.row_number "
        "FROM library_batch b JOIN library_record o ON o.batch_id = b.previous_id "
        "WHERE NOT EXISTS (SELECT 1 FROM library_record n WHERE n.batch_id = b.id AND n.id_hash = o.id_hash)")


def downgrade():
    with op.batch_alter_table("library_change") as batch_op:
        batch_op.drop_index("ix_library_change_batch_kind_row")
    op.drop_table("library_change")
