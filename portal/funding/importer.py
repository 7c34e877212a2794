"""Importing a school's funded list for one period (the national system's export): read through the one
reader, check every row (portal.funding.checks), write all or nothing. The preview and the import run the
same checks; the import writes batch by batch inside one transaction and rolls back at the first refusal.

Speed (a university's list runs to 50,000 rows): the spreadsheet is parsed in a helper thread while the
school's enrolment is loaded (calamine's parser and SQLite's step both run outside the GIL). Batches are
then checked and written in turn on one thread: a writer thread binding rows while this one checks the next
batch would queue for the GIL at every row and take four times as long."""
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import repeat
from operator import itemgetter

from sqlalchemy import delete, func, select

from portal import sheets
from portal.audit.services import Actor, Target, record
from portal.bulk import insert_plain
from portal.extensions import db
from portal.funding.cells import bank_card, money, payment_date
from portal.funding.checks import Checker, CheckedRow
from portal.funding.errors import FundingError
from portal.funding.models import FundingImport, FundingRecord
from portal.idcard import mask_bank_card
from portal.org.models import School
from portal.protect import protector
from portal.sheet_values import ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, code, id_number
from portal.terms import Period
from portal.vocab import AuditAction, FundingImportMode

MAX_ROWS = 100_000
BATCH = 5_000
COLUMNS = (
    sheets.Column("school_code", "学校标识码", ("学校代码", "学校识别码"), required=False, optional_value=True,
                  parse=code(10)),
    sheets.Column("id_number", ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, parse=id_number),
    sheets.Column("name", "姓名", ("学生姓名",)),
    sheets.Column("project", "资助项目", ("资助项目名称", "项目名称")),
    sheets.Column("standard", "资助标准", ("标准", "资助标准（元）"), required=False, optional_value=True, parse=money),
    sheets.Column("amount", "资助金额", ("发放金额", "金额", "资助金额（元）"), optional_value=True, parse=money),
    sheets.Column("paid_on", "发放时间", ("发放日期",), required=False, optional_value=True, parse=payment_date),
    sheets.Column("card", "银行卡号", ("银行账号", "卡号", "银行卡"), required=False, optional_value=True,
                  parse=bank_card),
)
TEMPLATE_EXAMPLE = ["3132000001", "320102201001011232", "张三", "困难生生活补助", 1000, 500,
                    "2026-10-15", "6222 0212 3456 7890 128"]
RECORD_COLUMNS = ("school_id", "period", "term", "project_id", "import_id", "id_hash", "id_cipher", "id_masked", "name",
                  "standard", "amount", "paid_on", "card_cipher", "card_masked", "incomplete", "row_number",
                  "created_by_id")


@dataclass
class FundingPreview:
    """What an import would write (or wrote), shown before the user confirms."""

    period: Period
    mode: str
    rows_read: int = 0
    records: int = 0
    amount: Decimal = Decimal(0)
    incomplete: int = 0
    by_project: dict[str, list] = field(default_factory=dict)  # name（stages） → [records, amount]
    errors: list[sheets.RowError] = field(default_factory=list)
    errors_total: int = 0
    header: list[str] = field(default_factory=list)
    existing: int = 0  # records the period holds now (a replacement removes them)
    names: list[tuple[str, str, bool]] = field(default_factory=list)  # 资助项目 as written → project, by synonym
    levels: set = field(default_factory=set)  # the project levels of the rows: the lists the file writes to

    @property
    def ok(self) -> bool:
        return self.records > 0 and not self.errors_total

    @property
    def mode_label(self) -> str:
        return FundingImportMode.label_of(self.mode)

    def add(self, rows: list[CheckedRow]) -> None:
        """Count a checked batch into the totals."""
        by_project = self.by_project
        for row in rows:
            totals = by_project.get(row.project.label)
            if totals is None:
                totals = by_project[row.project.label] = [0, Decimal(0)]
            totals[0] += 1
            self.levels.add(row.project.level)
            if row.amount is not None:
                totals[1] += row.amount
        self.records += len(rows)
        self.amount = sum((totals[1] for totals in by_project.values()), Decimal(0))
        self.incomplete += sum(1 for row in rows if row.incomplete)


def check_mode(mode: str | None) -> str:
    if mode not in (FundingImportMode.REPLACE.value, FundingImportMode.APPEND.value):
        raise FundingError("请选择导入方式：“替换本期名单”或“追加”")
    return mode


def _read(school: School, period: Period, mode: str, source, filename: str, found: FundingPreview,
          write: Callable[[list[CheckedRow]], None] | None = None) -> None:
    """Check every row into `found`; hand accepted batches to `write` as long as nothing was refused."""
    with ThreadPoolExecutor(1, thread_name_prefix="funding-read") as helper, sheets.collector_paused():
        opening = helper.submit(sheets.open_sheet, source, filename, COLUMNS, max_rows=MAX_ROWS)
        checker = Checker(school, period, mode)  # the enrolment loads while the file is parsed
        try:
            sheet = opening.result()
            for batch in sheet.batches(BATCH):
                accepted = checker.check(sheet, batch)
                found.add(accepted)
                if write is not None and accepted and not sheet.errors_total:
                    write(accepted)
        except sheets.SheetError as refusal:
            raise FundingError(str(refusal)) from None
    found.rows_read, found.errors, found.errors_total, found.header = (
        sheet.rows_read, sheet.errors, sheet.errors_total, sheet.header)
    found.names = checker.projects.names_taken()


def preview(school: School, period: Period, mode: str | None, source, filename: str) -> FundingPreview:
    """Check the whole file; nothing is written."""
    found = FundingPreview(period, check_mode(mode))
    _read(school, period, found.mode, source, filename, found)
    found.existing = existing_records(school, period)
    return found


def existing_records(school: School, period: Period) -> int:
    return db.session.scalar(select(func.count()).select_from(FundingRecord).where(
        FundingRecord.school_id == school.id, FundingRecord.term == period.term.code,
        FundingRecord.period == period.code)) or 0


def import_file(actor: Actor, school: School, period: Period, mode: str | None, source, filename: str) -> FundingPreview:
    """Check and write in one pass and one transaction; any refused row undoes everything. The caller has
    checks that the lists written to are open for the school (portal.funding.records.import_list) and commits."""
    found = FundingPreview(period, check_mode(mode))
    batch_row = FundingImport(school_id=school.id, period=period.code, mode=mode, filename=filename[:255],
                              created_by_id=actor.user_id, created_by_name=actor.name)
    db.session.add(batch_row)
    if mode == FundingImportMode.REPLACE.value:
        found.existing = db.session.execute(delete(FundingRecord).where(
            FundingRecord.school_id == school.id, FundingRecord.term == period.term.code,
            FundingRecord.period == period.code)).rowcount
    db.session.flush()
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"

    def write(rows: list[CheckedRow]) -> None:
        # in digest order, as the (school, term, digest) index holds them: the term's figures, read through that
        # index, then find the records of a batch side by side in the table instead of scattered over it
        rows = sorted(rows, key=itemgetter(1))
        insert_values(connection, record_values(school.id, period, rows, actor.user_id, batch_row.id, sqlite))

    _read(school, period, mode, source, filename, found, write)
    if found.errors_total:
        raise FundingError(f"文件中有 {found.errors_total} 处错误，未导入任何数据。请改正后重新上传。")
    if not found.records:
        raise FundingError("文件中没有可导入的资助记录")
    batch_row.records, batch_row.amount = found.records, found.amount
    replaced = f"（替换原有 {found.existing} 条）" if found.existing else ""
    record(actor, AuditAction.IMPORT_FUNDING, Target.of_school(school),
           f"{period.label} {found.mode_label}：{found.records} 条，金额 {found.amount:,.2f} 元{replaced}，"
           f"文件 {filename}"[:500])
    return found


def insert_values(connection, values: list[tuple]) -> None:
    """Write record_values() tuples with the session's connection, inside its transaction."""
    insert_plain(FundingRecord.__tablename__, RECORD_COLUMNS, values, connection)


def record_values(school_id: int, period: Period, rows: list[CheckedRow], user_id: int | None,
                  import_id: int | None, sqlite: bool) -> list[tuple]:
    """RECORD_COLUMNS values of checked rows, as the driver takes them; a batch's cards encrypted in one call.
    SQLite gets what SQLAlchemy's Numeric and Date types would store there: floats and ISO dates."""
    cards = [row.card for row in rows]
    sealed = iter(protector().encrypt_many([card for card in cards if card is not None]))
    # blobs as bytearray, which sqlite3 binds as they are (bytes first go through its adapter look-up)
    ciphers = [None if card is None else bytearray(next(sealed)) for card in cards]
    masked = [None if card is None else mask_bank_card(card) for card in cards]
    standards, amounts, paid = map(itemgetter(5), rows), map(itemgetter(6), rows), map(itemgetter(7), rows)
    if sqlite:  # a list holds few distinct amounts and dates: each is converted once
        standards, amounts, paid = (_converted(column, convert) for column, convert in (
            (standards, float), (amounts, float), (paid, date.isoformat)))
    period_code, term_code = period.code, period.term.code
    return list(zip(
        repeat(school_id), repeat(period_code), repeat(term_code), [row.project.id for row in rows], repeat(import_id),
        map(bytearray, map(itemgetter(1), rows)), map(bytearray, map(itemgetter(2), rows)), map(itemgetter(3), rows),
        map(itemgetter(4), rows), standards, amounts, paid, ciphers, masked, [row.incomplete for row in rows],
        map(itemgetter(9), rows), repeat(user_id)))


def _converted(values, convert) -> list:
    values = list(values)
    found = {value: convert(value) for value in set(values) if value is not None}
    found[None] = None
    return list(map(found.__getitem__, values))


def insert_rows(school: School, period: Period, rows: list[CheckedRow], actor: Actor, import_id: int | None) -> None:
    """Write a few checked rows (a hand entry) through the same path as an import."""
    connection = db.session.connection()
    insert_values(connection, record_values(school.id, period, rows, actor.user_id, import_id,
                                            connection.dialect.name == "sqlite"))
