"""Importing a base-library file: preview (every row checked and written as a pending batch), confirm, cancel.

A preview streams the file in batches: the one reader checks the cells, duplicates within the file are
refused, digests and ciphertexts are made per batch and the rows go to the database in bulk. One refused
row anywhere and the pending batch is removed again: the user sees the errors and nothing is kept.
Confirming is two UPDATEs: the pending batch becomes current and the category's previous one superseded."""
import unicodedata
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter

from flask import current_app
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from portal import sheets
from portal.audit.services import Actor, Target, record
from portal.extensions import db
from portal.library import diff
from portal.library.access import LibraryError, require_category
from portal.library.columns import STORED_DETAILS, columns_for
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.library.writer import ID_NUMBER, RecordWriter
from portal.protect import protector
from portal.sheet_values import ID_NUMBER_LABEL
from portal.vocab import AuditAction, Category, Role

# Excel's last row is 1,048,576: a sheet filled to the bottom is a mistake (or a fill-down), not a list.
MAX_ROWS = 1_000_000
READ_BATCH = 10_000
STALE_AFTER = timedelta(days=1)
# One row per person: a 外省下发 person of several types has them in one cell, not on two rows.
REPEAT_HINTS = {Category.OUT_OF_PROVINCE: "（同一人有多种困难类型时请写在同一格，用“、”分隔）"}
# What the importer hands the writer per row; the writer stores what the ID number gives, not the number.
ROW_COLUMNS = ("id_hash", "id_cipher", ID_NUMBER, "name", "hukou_code", "row_number")


@dataclass
class ImportPreview:
    """What the user sees after uploading: counts, refused rows, and (when acceptable) the pending batch."""

    category: Category
    filename: str
    rows_read: int
    header: list[str]
    errors: list[sheets.RowError] = field(default_factory=list)
    errors_total: int = 0
    rows_refused: int = 0
    batch: LibraryBatch | None = None
    changes: diff.Samples | None = None

    @property
    def ok(self) -> bool:
        return self.batch is not None

    @property
    def valid(self) -> int:
        return self.rows_read - self.rows_refused


def preview(actor: Actor, category: Category, source, filename: str, *, max_bytes: int | None = None,
            progress=None) -> ImportPreview:
    """Check the whole file and write it as a pending batch; raise LibraryError when the file itself is refused.
    `progress(rows read, rows at most)` is called after each batch of rows (a job's progress bar)."""
    require_category(actor, category)
    sheet = _open(category, source, filename, max_bytes)
    _discard_stale(actor, category)
    batch = _start_batch(actor, category, filename)
    try:
        written = _stream(sheet, batch, category, progress)
    except sheets.SheetError as refusal:  # a CSV found malformed further down
        _remove(batch)
        raise LibraryError(str(refusal)) from None
    except BaseException:
        _remove(batch)
        raise
    found = ImportPreview(category, filename, sheet.rows_read, sheet.header, sheet.errors, sheet.errors_total,
                          sheet.rows_refused)
    if sheet.errors_total:
        _remove(batch)
        return found
    if not written:  # e.g. nothing under the header but a 合计 row: never replace a category with nothing
        _remove(batch)
        raise LibraryError("文件中没有可导入的数据行")
    batch.rows_read, batch.records = sheet.rows_read, written
    diff.store_counts(batch)
    db.session.commit()
    found.batch, found.changes = batch, diff.samples(batch)
    return found


def refused_rows(actor: Actor, category: Category, source, filename: str, *, max_bytes: int | None = None) -> bytes:
    """The refused rows of a file as an xlsx with a reason column (the file is read again, nothing is written)."""
    require_category(actor, category)
    sheet = _open(category, source, filename, max_bytes)
    seen = _SeenNumbers(REPEAT_HINTS.get(category, ""))
    digest_many = protector().digest_many
    try:
        for rows in sheet.batches(READ_BATCH):
            _without_duplicates(sheet, rows, digest_many(map(itemgetter(1), rows)), seen)
    except sheets.SheetError as refusal:
        raise LibraryError(str(refusal)) from None
    return sheets.refused_rows_xlsx(sheet.header, sheet.errors)


class RemovalNotConfirmed(LibraryError):
    """A big removal confirmed without the number of people it removes (or with another number)."""


def recount(actor: Actor, batch_id: int) -> LibraryBatch:
    """The pending batch's changes counted again when another import was confirmed since its preview: what the
    user is shown, and what a big removal's typed number must match."""
    batch = _own_pending(actor, batch_id)
    current = db.session.scalar(select(LibraryBatch.id).where(LibraryBatch.category == batch.category,
                                                              LibraryBatch.status == BatchStatus.CURRENT))
    if current != batch.previous_id:
        batch.previous_id = current
        diff.store_counts(batch)
    return batch


def confirm(actor: Actor, batch_id: int, removed_typed: str | None = None) -> LibraryBatch:
    """The pending batch becomes the category's current batch; the previous one is kept as history.
    When that removes more than a tenth of the category's people, `removed_typed` must be their number."""
    batch = recount(actor, batch_id)
    if batch.big_removal:
        _require_removed_number(batch, removed_typed)
    db.session.execute(update(LibraryBatch).where(LibraryBatch.category == batch.category,
                                                  LibraryBatch.status == BatchStatus.CURRENT)
                       .values(status=BatchStatus.SUPERSEDED))
    batch.status, batch.confirmed_at = BatchStatus.CURRENT, datetime.now()
    try:
        db.session.flush()
    except IntegrityError:  # the one-current-batch index: someone confirmed the same category a moment ago
        raise LibraryError("同一类别刚刚有另一批数据确认导入，请重新上传预览") from None
    record(actor, AuditAction.IMPORT_LIBRARY, Target("library_batch", str(batch.id), batch.category_label),
           f"文件 {batch.filename}：{batch.records} 人；新增 {batch.added}，减少 {batch.removed}，变更 {batch.changed}")
    refresh_statistics()
    return batch


def _require_removed_number(batch: LibraryBatch, typed: str | None) -> None:
    removed = f"{batch.removed:,}"
    found = unicodedata.normalize("NFKC", typed or "").strip().rstrip("人").replace(",", "").replace(" ", "")
    if not found:
        raise RemovalNotConfirmed(f"本次导入将移出 {removed} 人，超过“{batch.category_label}”当前人数的十分之一："
                                  f"请输入将移出的人数后再确认导入。未导入任何数据。")
    if not found.isdigit() or int(found) != batch.removed:
        raise RemovalNotConfirmed(f"输入的人数“{typed.strip()}”与本次导入将移出的人数（{removed} 人）不符，未导入任何数据。"
                                  f"请核对预览中的人数后重新输入。")


def preview_of(batch: LibraryBatch) -> ImportPreview:
    """A pending batch's preview shown again (its file has been read already: counts and samples of changes)."""
    return ImportPreview(Category(batch.category), batch.filename, batch.rows_read, [], batch=batch,
                         changes=diff.samples(batch))


def refresh_statistics() -> None:
    """Tell the query planner how the records are spread after a batch arrives.

    Without statistics SQLite guesses that `batch_id = ?` picks ten rows, and so drives matching from
    a whole batch instead of looking each student up by id_hash. A sampled ANALYZE takes milliseconds
    on SQLite (analysis_limit) and a fraction of a second on PostgreSQL (which samples anyway)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA analysis_limit = 1000"))
    db.session.execute(text("ANALYZE library_record"))


def cancel(actor: Actor, batch_id: int) -> LibraryBatch:
    """Drop a pending batch: its records are deleted, the batch stays in the history as cancelled."""
    batch = _own_pending(actor, batch_id)
    diff.forget([batch.id])
    db.session.execute(delete(LibraryRecord).where(LibraryRecord.batch_id == batch.id))
    batch.status = BatchStatus.DISCARDED
    record(actor, AuditAction.CANCEL_LIBRARY_IMPORT, Target("library_batch", str(batch.id), batch.category_label),
           f"文件 {batch.filename}")
    return batch


# ---------------------------------------------------------------- the streaming path


def _open(category: Category, source, filename: str, max_bytes: int | None) -> sheets.Sheet:
    limit = max_bytes or current_app.config.get("UPLOAD_MAX_BYTES", sheets.MAX_BYTES)
    try:
        return sheets.open_sheet(source, filename, columns_for(category), max_bytes=limit,
                                 max_rows=current_app.config.get("LIBRARY_MAX_ROWS", MAX_ROWS))
    except sheets.SheetError as refusal:
        raise LibraryError(str(refusal)) from None


def _start_batch(actor: Actor, category: Category, filename: str) -> LibraryBatch:
    # Committed at once: the writer's own connection inserts records that point at it.
    current_id = db.session.scalar(select(LibraryBatch.id).where(LibraryBatch.category == category.value,
                                                                 LibraryBatch.status == BatchStatus.CURRENT))
    user = actor.user
    batch = LibraryBatch(
        category=category.value, status=BatchStatus.PENDING, filename=filename[:255], previous_id=current_id,
        department=user.department if user is not None and user.role == Role.DEPARTMENT.value else None,
        uploaded_by_id=actor.user_id, uploaded_by_name=actor.name, created_at=datetime.now())
    db.session.add(batch)
    db.session.commit()
    return batch


def _insert_columns(category: Category) -> tuple[list[str], list[str]]:
    """(detail keys as the file's columns give them, the writer's columns of a row)."""
    details = [column.key for column in columns_for(category)[3:]]
    stored = [key for key in details if key in STORED_DETAILS]
    extra = ["disability_cert_cipher"] if "disability_cert" in details else []
    return details, [*ROW_COLUMNS, *stored, *extra]


def _stream(sheet: sheets.Sheet, batch: LibraryBatch, category: Category, progress=None) -> int:
    """Check every row; write accepted ones until the first refusal, then only keep checking."""
    details, columns = _insert_columns(category)
    stored_at = [3 + details.index(key) for key in columns[len(ROW_COLUMNS):] if key in details]
    cert_at = 3 + details.index("disability_cert") if "disability_cert" in details else None
    writer = RecordWriter(columns, {"batch_id": batch.id, "category": category.value})
    try:
        with sheets.collector_paused():  # the loop builds millions of short-lived containers and no cycles
            _write_checked(sheet, writer, stored_at, cert_at, _SeenNumbers(REPEAT_HINTS.get(category, "")), progress)
    except BaseException:
        writer.abort()
        raise
    if sheet.errors_total:
        writer.abort()
    else:
        writer.finish()
    return writer.written


def _write_checked(sheet: sheets.Sheet, writer: RecordWriter, stored_at: list[int], cert_at: int | None,
                   seen: "_SeenNumbers", progress=None) -> None:
    """Digest, refuse duplicates, encrypt and hand each batch to the writer (which stores it meanwhile)."""
    keep = protector()
    for rows in sheet.batches(READ_BATCH):
        if progress is not None:
            progress(sheet.rows_read, max(sheet.rows_bound or 0, sheet.rows_read))
        hashes = keep.digest_many(map(itemgetter(1), rows))
        rows, hashes = _without_duplicates(sheet, rows, hashes, seen)
        if sheet.errors_total:
            continue
        rows, hashes = _in_digest_order(rows, hashes)
        ids = list(map(itemgetter(1), rows))
        writer.write(_record_rows(rows, ids, hashes, keep.encrypt_many(ids), stored_at, cert_at))


class _SeenNumbers:
    """The ID digests of the rows so far, to refuse a repeat with the row that had it first.

    While nothing repeats (the usual file), a set takes each batch in one pass and the batches' row numbers
    are kept aside; the first repeat turns them into digest → first row, which then names every repeat."""

    def __init__(self, repeat_hint: str = ""):
        self.repeat_hint = repeat_hint  # said after "与第 N 行重复"
        self._digests: set[bytes] = set()
        self._batches: list[tuple[list[bytes], array]] = []
        self._first_rows: dict[bytes, int] | None = None

    def take(self, hashes: list[bytes], numbers: list[int]) -> bool:
        """True when no digest of the batch was seen before or repeats within it: the batch is now seen."""
        if self._first_rows is None:
            before = len(self._digests)
            self._digests.update(hashes)
            if len(self._digests) - before == len(hashes):
                self._batches.append((hashes, array("q", numbers)))
                return True
            self._first_rows = {}
            for digests, rows in self._batches:
                self._first_rows.update(zip(digests, rows))
            self._digests, self._batches = set(), []
        return False

    def first_row(self, digest: bytes, number: int) -> int | None:
        """The row that had `digest` before row `number`, or None: then `number` is its first row."""
        first = self._first_rows.setdefault(digest, number)
        return None if first == number else first


def _without_duplicates(sheet, rows: list[tuple], hashes: list[bytes], seen: _SeenNumbers):
    """Refuse a row whose ID number an earlier row of the file already had ("与第 N 行重复")."""
    if seen.take(hashes, list(map(itemgetter(-1), rows))):
        return rows, hashes
    kept_rows, kept_hashes = [], []
    for row, digest in zip(rows, hashes):
        first = seen.first_row(digest, row[-1])
        if first is None:
            kept_rows.append(row)
            kept_hashes.append(digest)
        else:
            sheet.refuse(row, ID_NUMBER_LABEL, f"与第 {first} 行重复{seen.repeat_hint}")
    return kept_rows, kept_hashes


def _in_digest_order(rows: list[tuple], hashes: list[bytes]) -> tuple[list[tuple], list[bytes]]:
    """A batch sorted by digest: the id_hash index then grows in runs instead of on random pages, which
    SQLite's insert does much faster. The file's order stays in row_number, which pages sort by."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    return [rows[i] for i in order], [hashes[i] for i in order]


def _record_rows(rows, ids, hashes, ciphers, stored_at, cert_at) -> list[list]:
    """The batch's columns in the writer's order (ROW_COLUMNS, then the stored details)."""
    columns = [hashes, ciphers, ids, list(map(itemgetter(0), rows)),
               list(map(itemgetter(2), rows)), list(map(itemgetter(-1), rows))]
    columns += [list(map(itemgetter(position), rows)) for position in stored_at]
    if cert_at is not None:
        certs = list(map(itemgetter(cert_at), rows))
        sealed = iter(protector().encrypt_many([value for value in certs if value]))
        columns.append([next(sealed) if value else None for value in certs])
    return columns


# ---------------------------------------------------------------- housekeeping


def _remove(batch: LibraryBatch) -> None:
    """Delete a pending batch and whatever of its records was committed: as if the file never came."""
    batch_id = batch.id
    db.session.rollback()
    diff.forget([batch_id])
    for low, high in diff.id_slices(batch_id):  # short transactions: SQLite's other writers get the lock between
        db.session.execute(delete(LibraryRecord).where(LibraryRecord.batch_id == batch_id,
                                                       LibraryRecord.id.between(low, high)))
        db.session.commit()
    db.session.execute(delete(LibraryBatch).where(LibraryBatch.id == batch_id))
    db.session.commit()


def remove_unfinished(user_id: int | None, category: Category, since: datetime) -> int:
    """Pending batches an import cut off midway (its worker stopped) left behind: removed with their records."""
    uploader = LibraryBatch.uploaded_by_id
    ids = list(db.session.scalars(select(LibraryBatch.id).where(
        LibraryBatch.status == BatchStatus.PENDING, LibraryBatch.category == category.value,
        uploader.is_(None) if user_id is None else uploader == user_id, LibraryBatch.created_at >= since)))
    for batch_id in ids:
        _remove(db.session.get(LibraryBatch, batch_id))
    return len(ids)


def _discard_stale(actor: Actor, category: Category) -> None:
    """Pending batches this user left unconfirmed for this category, and anyone's abandoned a day ago."""
    uploader = LibraryBatch.uploaded_by_id
    mine = uploader.is_(None) if actor.user_id is None else uploader == actor.user_id
    stale = select(LibraryBatch.id).where(
        LibraryBatch.status == BatchStatus.PENDING,
        ((LibraryBatch.category == category.value) & mine) | (LibraryBatch.created_at < datetime.now() - STALE_AFTER))
    ids = list(db.session.scalars(stale))
    if ids:
        diff.forget(ids)
        db.session.execute(delete(LibraryRecord).where(LibraryRecord.batch_id.in_(ids)))
        db.session.execute(update(LibraryBatch).where(LibraryBatch.id.in_(ids)).values(status=BatchStatus.DISCARDED))
        db.session.commit()


def _own_pending(actor: Actor, batch_id: int) -> LibraryBatch:
    batch = db.session.get(LibraryBatch, batch_id)
    if batch is None or batch.uploaded_by_id != actor.user_id:
        raise LibraryError("找不到这批待确认的数据，请重新上传")
    if batch.status != BatchStatus.PENDING:
        raise LibraryError("这批数据已经确认或取消，不能再次操作")
    require_category(actor, Category(batch.category))
    return batch
