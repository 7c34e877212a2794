"""upload stage grades: an upload keeps its students per (stage, grade) as the file was read, so that confirming it
judges them against the school's stages without reading its rows again

Revision ID: 0017_upload_stage_grades
Revises: 0016_progress_trim
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_upload_stage_grades"
down_revision = "0016_progress_trim"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("enrolment_upload", sa.Column("stage_grades", sa.JSON(), nullable=True))
    # the uploads still waiting for confirmation: counted once from their rows
    upload = sa.table("enrolment_upload", sa.column("id", sa.Integer), sa.column("status", sa.String),
                      sa.column("stage_grades", sa.JSON))
    student = sa.table("enrolment_student", sa.column("upload_id", sa.Integer), sa.column("stage", sa.String),
                       sa.column("grade", sa.String))
    connection = op.get_bind()
    counted = {}
    for upload_id, stage, grade, students in connection.execute(
            sa.select(student.c.upload_id, student.c.stage, student.c.grade, sa.func.count())
            .where(student.c.upload_id.in_(sa.select(upload.c.id).where(upload.c.status == "pending")))
            .group_by(student.c.upload_id, student.c.stage, student.c.grade)):
        counted.setdefault(upload_id, []).append([stage, grade, students])
    pending = connection.execute(sa.select(upload.c.id).where(upload.c.status == "pending")).scalars().all()
    for upload_id in pending:
        connection.execute(upload.update().where(upload.c.id == upload_id)
                           .values(stage_grades=counted.get(upload_id, [])))


def downgrade():
    with op.batch_alter_table("enrolment_upload") as batch_op:
        batch_op.drop_column("stage_grades")
