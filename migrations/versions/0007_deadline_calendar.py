"""deadline calendar, whole: each row names its module (业务模块) and who acts (学校 / 主管部门 / 省·市·县)

The five tasks of revision 0002 become rows of the new key; the dates they hold (the province's edits
included) are kept. `flask seed-deadlines` then adds the rest of 003's annex tables.

Revision ID: 0007_deadline_calendar
Revises: 0006_hardship_level_missing
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_deadline_calendar"
down_revision = "0006_hardship_level_missing"
branch_labels = None
depends_on = None

# the national project whose dates the old funded-list rows held, per stage (学前 had 地方政府资助)
OLD_FUNDING_MODULE = (
    "CASE stage WHEN 'primary' THEN 'living_allowance' WHEN 'junior' THEN 'living_allowance' "
    "WHEN 'preschool' THEN 'local' ELSE 'national_grant' END"
)


def upgrade():
    with op.batch_alter_table("deadline") as batch_op:
        batch_op.add_column(sa.Column("module", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("party", sa.String(length=16), nullable=False, server_default="school"))
        batch_op.drop_constraint("uq_deadline_stage", type_="unique")
    # 中职's funded list was one monthly 录入及审核 row (20th) beside a copy of it as 录入: keep the first
    op.execute("DELETE FROM deadline WHERE stage = 'vocational' AND task = 'funding_entry'")
    op.execute("UPDATE deadline SET party = 'authority' WHERE task = 'funding_authority_review'")
    op.execute("UPDATE deadline SET task = CASE WHEN stage = 'vocational' THEN 'funding_entry_review' "
               "ELSE 'funding_review' END WHERE task IN ('funding_school_review', 'funding_authority_review')")
    op.execute(f"UPDATE deadline SET module = {OLD_FUNDING_MODULE} WHERE task LIKE 'funding%'")
    op.execute("UPDATE deadline SET module = 'student_info' WHERE task = 'identify'")
    op.execute("UPDATE deadline SET module = 'poverty' WHERE task = 'unfunded_report'")
    with op.batch_alter_table("deadline") as batch_op:
        batch_op.alter_column("module", server_default=None)
        batch_op.alter_column("party", server_default=None)
        batch_op.create_unique_constraint("uq_deadline_stage", ["stage", "module", "task", "cycle", "party"])


def downgrade():
    # only what the five old tasks can say survives
    op.execute("DELETE FROM deadline WHERE NOT (task IN ('identify', 'unfunded_report', 'funding_entry', "
               "'funding_review', 'funding_entry_review') AND party IN ('school', 'authority') "
               f"AND module IN ('student_info', 'poverty', {OLD_FUNDING_MODULE}))")
    op.execute("DELETE FROM deadline WHERE task = 'funding_entry' AND party = 'authority'")
    op.execute("UPDATE deadline SET task = CASE WHEN party = 'authority' THEN 'funding_authority_review' "
               "ELSE 'funding_school_review' END WHERE task IN ('funding_review', 'funding_entry_review')")
    with op.batch_alter_table("deadline") as batch_op:
        batch_op.drop_constraint("uq_deadline_stage", type_="unique")
        batch_op.drop_column("party")
        batch_op.drop_column("module")
        batch_op.create_unique_constraint("uq_deadline_stage", ["stage", "task", "cycle"])
