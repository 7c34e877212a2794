"""What changed between a batch and the one it replaces, by ID digest, in set-based SQL: worked out once when
the batch is counted and stored (LibraryChange), so every page of it is an indexed read.

added: in the batch, not in the previous one; removed: the other way round; changed: in both, with a
different name, hukou or category detail (e.g. 脱贫状态 已脱贫 → 返贫)."""
from dataclasses import dataclass, field

from sqlalchemy import and_, case, delete, exists, func, insert, literal, null, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.library.columns import STORED_DETAILS, detail_label, detail_text
from portal.library.models import LibraryBatch, LibraryChange, LibraryRecord
from portal.paging import Page

COMPARED = ("name", "hukou_code", *STORED_DETAILS)
KINDS = {"added": "新增", "removed": "减少", "changed": "变更"}
SAMPLE_SIZE = 10


@dataclass
class Change:
    """One person's record in the new batch beside the old one (for 'changed'), or alone."""

    record: LibraryRecord
    before: LibraryRecord | None = None

    @property
    def differences(self) -> list[tuple[str, str, str]]:
        """(column label, before, after) for each compared column that differs."""
        if self.before is None:
            return []
        found = []
        for key in COMPARED:
            old, new = getattr(self.before, key), getattr(self.record, key)
            if old != new:
                label = {"name": "姓名", "hukou_code": "户籍地区划代码"}.get(key) or detail_label(key)
                found.append((label, detail_text(key, old) or "（空）", detail_text(key, new) or "（空）"))
        return found


@dataclass
class Samples:
    """The first few of each kind, for the preview."""

    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)


def _differs(new, old):
    return or_(*(getattr(new, key).is_distinct_from(getattr(old, key)) for key in COMPARED))


def _same_person(old, batch_id: int, new):
    # "+ 0" keeps the planner off the batch_id index (a whole batch) and on id_hash (one person).
    return and_(old.id_hash == new.id_hash, old.batch_id + 0 == batch_id)


def store_counts(batch: LibraryBatch) -> None:
    """Work out the batch's changes against batch.previous_id once, in two passes of set-based SQL, and count them.
    A first batch of its category stores none: every record is new, and its pages list the batch itself."""
    db.session.execute(delete(LibraryChange).where(LibraryChange.batch_id == batch.id))
    if batch.previous_id is None:
        batch.added, batch.removed, batch.changed = batch.records, 0, 0
        return
    new, old = aliased(LibraryRecord), aliased(LibraryRecord)
    columns = ["batch_id", "kind", "record_id", "before_id", "row_number"]
    added_or_changed = (
        select(literal(batch.id), case((old.id.is_(None), "added"), else_="changed"), new.id, old.id, new.row_number)
        .select_from(new).outerjoin(old, _same_person(old, batch.previous_id, new))
        .where(new.batch_id == batch.id, or_(old.id.is_(None), _differs(new, old))))
    removed = (
        select(literal(batch.id), literal("removed"), old.id, null(), old.row_number)
        .where(old.batch_id == batch.previous_id, ~exists().where(_same_person(new, batch.id, old))))
    # In slices of record ids, each committed (the batch is pending: nothing reads its changes yet), so that on
    # SQLite no statement holds the one write lock for long while other users save.
    for low, high in id_slices(batch.id):
        db.session.execute(insert(LibraryChange).from_select(columns, added_or_changed.where(new.id.between(low, high))))
        db.session.commit()
    for low, high in id_slices(batch.previous_id):
        db.session.execute(insert(LibraryChange).from_select(columns, removed.where(old.id.between(low, high))))
        db.session.commit()
    counts = dict(db.session.execute(select(LibraryChange.kind, func.count()).where(LibraryChange.batch_id == batch.id)
                                     .group_by(LibraryChange.kind)).all())
    batch.added, batch.removed, batch.changed = (counts.get(kind, 0) for kind in KINDS)


SLICE = 20_000  # record ids per statement of store_counts


def id_slices(batch_id: int) -> list[tuple[int, int]]:
    """(lowest, highest) record ids of a batch in slices of SLICE ids (a batch's ids are nearly consecutive)."""
    low, high = db.session.execute(select(func.min(LibraryRecord.id), func.max(LibraryRecord.id))
                                   .where(LibraryRecord.batch_id == batch_id)).one()
    if low is None:
        return []
    return [(start, min(start + SLICE - 1, high)) for start in range(low, high + 1, SLICE)]


def forget(batch_ids) -> None:
    """The stored changes of batches whose records are being deleted (a refused, cancelled or stale preview)."""
    db.session.execute(delete(LibraryChange).where(LibraryChange.batch_id.in_(batch_ids)))


def changes(batch: LibraryBatch, kind: str, page: int = 1, per_page: int = 50) -> Page:
    """One page of the batch's added, removed or changed people, in the order of the file."""
    total = {"added": batch.added, "removed": batch.removed, "changed": batch.changed}[kind]
    record, before = aliased(LibraryRecord), aliased(LibraryRecord)
    if batch.previous_id is None:  # a first batch: everyone is added, nothing else
        query = (select(record, null()).where(record.batch_id == batch.id).order_by(record.row_number)
                 if kind == "added" else None)
    else:
        query = (select(record, before).select_from(LibraryChange)
                 .join(record, record.id == LibraryChange.record_id)
                 .outerjoin(before, before.id == LibraryChange.before_id)
                 .where(LibraryChange.batch_id == batch.id, LibraryChange.kind == kind)
                 .order_by(LibraryChange.row_number, LibraryChange.id))
    if query is None:
        return Page([], 1, per_page, 0)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([Change(*row) for row in rows], page, per_page, total)


def samples(batch: LibraryBatch, size: int = SAMPLE_SIZE) -> Samples:
    return Samples(*(changes(batch, kind, 1, size).items for kind in KINDS))
