"""ID privacy: only the region prefix, birth year, gender and a mask of the region prefix stay in clear

The full birth date (digits 7-14) in clear beside a mask that showed the last four characters (15-18) rebuilt
every ID number without the key. Now each person table keeps birth_year instead of birth_date, every mask is
the region prefix and twelve stars (portal.idcard.mask), a 全国学籍号 that held the ID holds the new mask, and
the audit log's copies of old masks lose their last four characters. See portal.idcard for the count this
leaves (182,500 candidates per number).

Revision ID: 0010_id_privacy
Revises: 0009_login_security
Create Date: 2026-12-03
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0010_id_privacy"
down_revision = "0009_login_security"
branch_labels = None
depends_on = None

PERSON_TABLES = ("library_record", "enrolment_student", "hardship_student")
NOT_NULL = {"library_record": True, "enrolment_student": True, "hardship_student": False}
STARS = "*" * 12
# An old mask: four digits, ten stars (seven for a 15-digit number), the last four characters
OLD_MASK = re.compile(r"(?<![0-9*])([0-9]{4})(\*{10}|\*{7})[0-9X]{4}(?![0-9X*])")
_BATCH = 1000


def _year_of(column: str) -> str:
    """SQL for the year of a birth_date column: SQLite stores a Date as 'YYYY-MM-DD' text."""
    if op.get_bind().dialect.name == "sqlite":
        return f"CAST(substr({column}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def upgrade():
    for table in PERSON_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        # SET expressions read the row as it was, so student_no's old mask is replaced by the new one
        student_no = (f", student_no = replace(student_no, id_masked, region_prefix || '{STARS}')"
                      if table != "library_record" else "")
        op.execute(f"UPDATE {table} SET birth_year = {_year_of('birth_date')}, "
                   f"id_masked = region_prefix || '{STARS}'{student_no}")
    # A library student without a birth date (none is written so since matching fills it) takes the year from
    # the base library, else from its own number under the key.
    op.execute("UPDATE hardship_student SET birth_year = (SELECT min(library_record.birth_year) FROM library_record "
               "WHERE library_record.id_hash = hardship_student.id_hash) WHERE birth_year IS NULL")
    _years_from_ciphers("hardship_student")
    for table in PERSON_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("birth_year", existing_type=sa.Integer(), nullable=not NOT_NULL[table])
            batch_op.drop_column("birth_date")
    # A funding record's mask: the student's region prefix where the student is in a library, else the four
    # digits the old mask showed (its 5th and 6th are not known without the key)
    op.execute(f"UPDATE funding_record SET id_masked = coalesce((SELECT min(hardship_student.region_prefix) "
               f"FROM hardship_student WHERE hardship_student.id_hash = funding_record.id_hash), "
               f"substr(id_masked, 1, 4) || '**') || '{STARS}'")
    _audit_without_old_masks()


def _protector():
    try:
        from portal.protect import protector
        return protector()
    except Exception:  # no application or no key (an offline migration): what the key would give stays unknown
        return None


def _years_from_ciphers(table: str) -> None:
    keeper = _protector()
    if keeper is None:
        return
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, id_cipher FROM {table} WHERE birth_year IS NULL")).all()
    years = []
    for row_id, cipher in rows:
        try:
            number = keeper.decrypt(cipher)
        except Exception:  # not a cipher of this key: the year stays unknown
            continue
        if len(number) == 18 and number[6:10].isdigit():
            years.append({"id": row_id, "year": int(number[6:10])})
    if years:
        connection.execute(sa.text(f"UPDATE {table} SET birth_year = :year WHERE id = :id"), years)


def _audit_without_old_masks() -> None:
    """The audit log's labels and details named people by their old mask: its last four characters go."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, target_label, detail FROM audit_entry "
        "WHERE target_label LIKE '%*******%' OR detail LIKE '%*******%'")).all()
    changed = []
    for row_id, label, detail in rows:
        new_label, new_detail = _redacted(label), _redacted(detail)
        if (new_label, new_detail) != (label, detail):
            changed.append({"id": row_id, "label": new_label, "detail": new_detail})
    for start in range(0, len(changed), _BATCH):
        connection.execute(sa.text("UPDATE audit_entry SET target_label = :label, detail = :detail WHERE id = :id"),
                           changed[start:start + _BATCH])


def _redacted(text):
    if not text:
        return text
    return OLD_MASK.sub(lambda found: found.group(1) + "*" * (len(found.group(0)) - 4), text)


def downgrade():
    # The old schema's full birth dates come back from the numbers under the key; without it, 1 January of
    # the year. Masks and audit entries keep their new, shorter form.
    for table in PERSON_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET birth_date = "
                   + ("birth_year || '-01-01'" if op.get_bind().dialect.name == "sqlite"
                      else "make_date(birth_year, 1, 1)")
                   + " WHERE birth_year IS NOT NULL")
        _dates_from_ciphers(table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("birth_date", existing_type=sa.Date(), nullable=not NOT_NULL[table])
            batch_op.drop_column("birth_year")


def _dates_from_ciphers(table: str) -> None:
    keeper = _protector()
    if keeper is None:
        return
    connection = op.get_bind()
    dates = []
    for row_id, cipher in connection.execute(sa.text(f"SELECT id, id_cipher FROM {table}")).all():
        try:
            number = keeper.decrypt(cipher)
        except Exception:
            continue
        if len(number) == 18 and number[6:14].isdigit():
            dates.append({"id": row_id, "born": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"})
    born = ":born" if connection.dialect.name == "sqlite" else "CAST(:born AS DATE)"  # SQLite keeps the text
    for start in range(0, len(dates), _BATCH):
        connection.execute(sa.text(f"UPDATE {table} SET birth_date = {born} WHERE id = :id"),
                           dates[start:start + _BATCH])
