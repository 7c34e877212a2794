"""The ID-number column parser every import uses, and the library's services called directly."""
from datetime import datetime
from types import SimpleNamespace

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from baselib_files import LI, WANG, ZHANG, poverty_file, xlsx
from factories import make_id_number
from portal import sheets
from portal.audit.services import Actor
from portal.extensions import db
from portal.idcard import birth_year, check_digit, mask, validate, validate_many
from portal.library import diff, importer
from portal.library.access import LibraryError
from portal.library.columns import columns_for
from portal.library.models import BatchStatus, LibraryBatch, LibraryChange, LibraryRecord
from portal.library.writer import RecordWriteError, RecordWriter
from portal.sheet_values import CellError, id_number
from portal.vocab import Category

ID_COLUMN = (sheets.Column("id_number", "身份证件号", ("身份证号", "证件号码", "身份证号码", "公民身份号码", "身份证"),
                           parse=id_number),)


@pytest.mark.parametrize("header", ["身份证件号", "身份证号", "证件号码", "身份证号码", "公民身份号码", "身份证",
                                    "身份证号(必填)"])
def test_id_column_header_synonyms(header):
    found = sheets.read_sheet(xlsx([[header], [ZHANG]]), "f.xlsx", ID_COLUMN)
    assert [row["id_number"] for row in found.rows] == [ZHANG]


def test_id_cells_are_normalised():
    old = "320102100315011"  # a 15-digit number from before 1999
    body = "32010219100315011"
    cells = [ZHANG[:-1] + ZHANG[-1].lower(), " ".join([ZHANG[:6], ZHANG[6:]]),
             "".join(chr(ord(ch) + 0xFEE0) for ch in ZHANG), old, float(old)]
    assert [id_number(cell) for cell in cells] == [ZHANG.upper()] * 3 + [body + check_digit(body)] * 2


@pytest.mark.parametrize("cell, reason", [
    (3.20102201003151e17, "身份证件号被 Excel 存成了数字，末几位已丢失"),
    ("3.20102E+17", "身份证件号被 Excel 存成了数字"),
    ("320102201002301234", "出生日期不存在"),
    (ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "校验码不正确"),
    ("990102201003150012", "不是有效的省级行政区划代码"),
    ("32010220100315", "应为18位"),
])
def test_bad_id_cells_become_cell_errors_with_the_same_message(cell, reason):
    with pytest.raises(CellError) as refused:
        id_number(cell)
    assert reason in str(refused.value)


def test_a_bad_cell_in_a_clean_column_is_named_by_the_reader():
    rows = [[f"学生{n}", make_id_number("320102", "20100101", n)] for n in range(1, 50)]
    rows[30][1] = rows[30][1][:-1] + ("0" if rows[30][1][-1] != "0" else "1")
    found = sheets.read_sheet(xlsx([["姓名", "身份证号"], *rows]), "f.xlsx", columns_for(Category.ORPHAN)[:2])
    assert [(error.row, error.column) for error in found.errors] == [(32, "身份证件号")]
    assert len(found.rows) == 48


def test_validate_many_agrees_with_validate():
    clean = [make_id_number("320102", f"20{year:02d}0229", 7) for year in (0, 4, 8)] + [ZHANG, LI, WANG]
    assert validate_many(clean) == [validate(cell) for cell in clean]
    ends_in_x = next(number for serial in range(100) if (number := make_id_number("320102", "20100101", serial))[-1] == "X")
    assert validate_many([*clean, ends_in_x]) is not None
    for odd in (ends_in_x.lower(), " " + LI, float(ZHANG[:15]), "", make_id_number("320102", "20010229", 1)):
        assert validate_many([*clean, odd]) is None  # the careful path decides


def test_preview_and_confirm_called_directly(app, world):
    actor = Actor.command_line()
    found = importer.preview(actor, Category.POVERTY, poverty_file(("张三", ZHANG, "", "已脱贫")), "a.xlsx")
    assert found.ok and found.batch.records == 1 and found.changes.added[0].record.name == "张三"
    importer.confirm(actor, found.batch.id)
    second = importer.preview(actor, Category.POVERTY, poverty_file(("张三", ZHANG, "320102", "返贫"),
                                                                     ("李四", LI, "", "未脱贫")), "b.xlsx")
    changed = diff.changes(second.batch, "changed").items
    assert [(label, before, after) for label, before, after in changed[0].differences] == [
        ("户籍地区划代码", "（空）", "320102"), ("脱贫状态", "已脱贫", "返贫")]
    assert diff.changes(second.batch, "removed").total == 0 and second.batch.added == 1
    with pytest.raises(LibraryError):
        importer.confirm(Actor(user=SimpleNamespace(id=999, role="province", department=None)), second.batch.id)


def test_changes_are_stored_once_and_batches_from_before_get_them_on_upgrade(app, world):
    """A batch's pages read its stored changes; the migration that brought them works them out the same way."""
    actor = Actor.command_line()
    first = importer.preview(actor, Category.POVERTY, poverty_file(("张三", ZHANG, "", "已脱贫"),
                                                                    ("王五", WANG, "", "已脱贫")), "a.xlsx")
    importer.confirm(actor, first.batch.id)
    second = importer.preview(actor, Category.POVERTY, poverty_file(("张三", ZHANG, "", "返贫"),
                                                                     ("李四", LI, "", "未脱贫")), "b.xlsx")
    importer.confirm(actor, second.batch.id, "1")  # 王五 goes: one of two, so the number is asked for

    def listed() -> dict:
        batch = db.session.get(LibraryBatch, second.batch.id)
        return {kind: [(change.record.name, change.before and change.before.poverty_status)
                       for change in diff.changes(batch, kind).items] for kind in diff.KINDS}

    expected = {"added": [("李四", None)], "removed": [("王五", None)], "changed": [("张三", "lifted")]}
    assert listed() == expected
    assert db.session.scalar(select(func.count()).select_from(LibraryChange)) == 3
    db.session.commit()
    downgrade(revision="0003")
    upgrade()
    db.session.expire_all()
    assert listed() == expected


def test_a_race_between_two_confirmations_keeps_one_current_batch(app, world):
    actor = Actor.command_line()
    first = importer.preview(actor, Category.ORPHAN, xlsx([["姓名", "身份证件号"], ["张三", ZHANG]]), "a.xlsx")
    importer.confirm(actor, first.batch.id)
    second = importer.preview(actor, Category.ORPHAN, xlsx([["姓名", "身份证件号"], ["李四", LI]]), "b.xlsx")
    importer.confirm(actor, second.batch.id, "1")
    current = db.session.scalars(select(LibraryRecord.name).join(LibraryRecord.batch)
                                 .where(LibraryRecord.category == "orphan", LibraryRecord.batch.has(status="current")))
    assert list(current) == ["李四"]


def _pending_batch() -> LibraryBatch:
    batch = LibraryBatch(category="orphan", status=BatchStatus.PENDING, filename="x.xlsx", uploaded_by_name="测试",
                         created_at=datetime.now())
    db.session.add(batch)
    db.session.commit()
    return batch


def _record_columns(name: str | None) -> list[list]:
    """One row in importer.ROW_COLUMNS order, as the importer hands it to the writer."""
    return [[bytes(16)], [b"sealed"], ["320102201501010011"], [name], [None], [2]]


def test_the_writer_stores_what_the_id_number_gives_and_never_the_number(app, world):
    """Only what idcard allows in clear is stored beside the digest and the cipher, never the number."""
    batch = _pending_batch()
    numbers = [body + check_digit(body) for body in ("32010220150101001", "11010520120229002", "45030520091231004")]
    writer = RecordWriter(importer.ROW_COLUMNS, {"batch_id": batch.id, "category": "orphan"})
    writer.write([[bytes([n]) * 16 for n in range(3)], [b"sealed"] * 3, numbers, ["甲", "乙", "丙"], [None] * 3,
                  [2, 3, 4]])
    writer.finish()
    stored = db.session.execute(select(LibraryRecord.id_masked, LibraryRecord.gender, LibraryRecord.birth_year,
                                       LibraryRecord.region_prefix).order_by(LibraryRecord.row_number)).all()
    assert [tuple(row) for row in stored] == [
        ("320102************", "M", 2015, "320102"), ("110105************", "F", 2012, "110105"),
        ("450305************", "F", 2009, "450305")]
    assert [row.id_masked for row in stored] == [mask(number) for number in numbers]
    assert [row.birth_year for row in stored] == [birth_year(number) for number in numbers]


def test_the_writing_process_hands_a_database_refusal_back_to_the_importer(app, world):
    batch = _pending_batch()
    writer = RecordWriter(importer.ROW_COLUMNS, {"batch_id": batch.id, "category": "orphan"})
    writer.write(_record_columns(None))  # 姓名 may not be empty: the database refuses in the writing process
    with pytest.raises(RecordWriteError) as refused:
        for _ in range(100):  # the refusal shows at a later write (the process has ended) or at finish()
            writer.write(_record_columns("张三"))
        writer.finish()
    assert refused.value.name in {"IntegrityError", "NotNullViolation"}
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 0
    writer.abort()  # after a failure, aborting is quiet


def test_a_writing_process_that_dies_is_reported_not_waited_for(app, world):
    batch = _pending_batch()
    writer = RecordWriter(importer.ROW_COLUMNS, {"batch_id": batch.id, "category": "orphan"})
    writer.write(_record_columns("张三"))
    writer._out._process.kill()  # as the kernel would when memory runs out
    with pytest.raises(RecordWriteError, match="写入进程意外结束"):
        for _ in range(100):  # the pipe may take a few batches before it notices
            writer.write(_record_columns("张三"))
        writer.finish()
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 0


def test_an_aborted_writer_keeps_nothing_and_a_finished_one_everything(app, world):
    batch = _pending_batch()
    aborted = RecordWriter(importer.ROW_COLUMNS, {"batch_id": batch.id, "category": "orphan"})
    aborted.write(_record_columns("张三"))
    aborted.abort()
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 0
    finished = RecordWriter(importer.ROW_COLUMNS, {"batch_id": batch.id, "category": "orphan"})
    finished.write(_record_columns("张三"))
    finished.finish()
    assert (finished.written, list(db.session.scalars(select(LibraryRecord.name)))) == (1, ["张三"])
