"""circulars: each issued 通报 with the snapshot of the figures it ranked (JSON), so later work never alters it

Revision ID: 0011_circulars
Revises: 0010_id_privacy
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_circulars"
down_revision = "0010_id_privacy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "circular",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"], name=op.f("fk_circular_region_code_region")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["user_account.id"], name=op.f("fk_circular_issued_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circular")),
    )
    with op.batch_alter_table("circular") as batch_op:
        batch_op.create_index(batch_op.f("ix_circular_region_code"), ["region_code"], unique=False)


def downgrade():
    with op.batch_alter_table("circular") as batch_op:
        batch_op.drop_index(batch_op.f("ix_circular_region_code"))
    op.drop_table("circular")
