"""What changed between a batch and the one it replaces, by ID digest, in set-based SQL.

added: in the batch, not in the previous one; removed: the other way round; changed: in both, with a
different name, hukou or category detail (e.g. 脱贫状态 已脱贫 → 返贫)."""
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.library.columns import STORED_DETAILS, detail_label, detail_text
from portal.library.models import LibraryBatch, LibraryRecord
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
    """Count added / removed / changed against batch.previous_id in one pass over the batch."""
    if batch.previous_id is None:
        batch.added, batch.removed, batch.changed = batch.records, 0, 0
        return
    new, old = aliased(LibraryRecord), aliased(LibraryRecord)
    total, added, changed = db.session.execute(
        select(func.count(new.id),
               func.coalesce(func.sum(case((old.id.is_(None), 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(old.id.is_not(None), _differs(new, old)), 1), else_=0)), 0))
        .select_from(new).outerjoin(old, _same_person(old, batch.previous_id, new))
        .where(new.batch_id == batch.id)
    ).one()
    previous_total = db.session.scalar(select(LibraryBatch.records).where(LibraryBatch.id == batch.previous_id))
    batch.added, batch.changed = int(added), int(changed)
    batch.removed = (previous_total or 0) - (int(total) - int(added))


def _query(batch: LibraryBatch, kind: str):
    new, old = aliased(LibraryRecord), aliased(LibraryRecord)
    if kind == "added":
        query = select(new).where(new.batch_id == batch.id)
        if batch.previous_id is not None:
            query = query.where(~exists().where(_same_person(old, batch.previous_id, new)))
        return query.order_by(new.row_number), new
    if batch.previous_id is None:
        return None, None
    if kind == "removed":
        return (select(old).where(old.batch_id == batch.previous_id,
                                  ~exists().where(_same_person(new, batch.id, old)))
                .order_by(old.row_number)), old
    return (select(new, old).join(old, _same_person(old, batch.previous_id, new))
            .where(new.batch_id == batch.id, _differs(new, old)).order_by(new.row_number)), new


def changes(batch: LibraryBatch, kind: str, page: int = 1, per_page: int = 50) -> Page:
    """One page of the batch's added, removed or changed people, in the order of the file."""
    query, _ = _query(batch, kind)
    if query is None:
        return Page([], 1, per_page, 0)
    total = {"added": batch.added, "removed": batch.removed, "changed": batch.changed}[kind]
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([Change(*row) for row in rows], page, per_page, total)


def samples(batch: LibraryBatch, size: int = SAMPLE_SIZE) -> Samples:
    return Samples(*(changes(batch, kind, 1, size).items for kind in KINDS))
