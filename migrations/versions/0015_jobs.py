"""jobs: long work (imports, re-matching, exports) as background jobs, one row each; the library overview's figures

Revision ID: 0015_jobs
Revises: 0014_person_lists
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_jobs"
down_revision = "0014_person_lists"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("actor_ip", sa.String(length=64), nullable=True),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("result_file", sa.String(length=255), nullable=True),
        sa.Column("result_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_job_user_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job") as batch_op:
        batch_op.create_index("ix_job_user_id_id", ["user_id", "id"], unique=False)
        batch_op.create_index("ix_job_status", ["status"], unique=False)
    # the library overview's figures, shared by every web process (was a per-process cache)
    op.create_table(
        "library_figures",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_library_figures")),
    )


def downgrade():
    op.drop_table("library_figures")
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_index("ix_job_status")
        batch_op.drop_index("ix_job_user_id_id")
    op.drop_table("job")
