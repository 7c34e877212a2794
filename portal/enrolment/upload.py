"""A school's enrolment (学籍) file: read once, checked row by row, written as a 'pending' upload only when
clean (the preview); confirmed in one transaction that makes it the term's snapshot, matches and refreshes
progress. The province's bulk import (one file, many schools, a 学校标识码 column) uses the same reader. The
caller (a view, a command, the bulk import job) owns the transaction."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import itemgetter

from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update

from portal import sheets
from portal.audit.services import Actor, Target, record
from portal.bulk import SET_BASED, insert_plain
from portal.enrolment import matching
from portal.enrolment.checkpoint import defer_checkpoint
from portal.enrolment.common import EnrolmentError, ensure_term_open
from portal.enrolment.grades import StageRule
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, MatchingRun, UploadStatus
from portal.enrolment.upload_risks import UploadRisks, upload_risks
from portal.extensions import db
from portal.idcard import check_digit, in_clear, mask_within, masks_within
from portal.org.models import School
from portal.progress.touched import within
from portal.protect import protector
from portal.sheet_values import ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, id_number
from portal.terms import Term, parse_term
from portal.vocab import AuditAction, Gender, Stage

SCHOOL_CODE = "学校标识码"
COLUMNS = (
    sheets.Column("student_no", "学籍号", ("全国学籍号", "学籍辅号", "学生学籍号"), optional_value=True),
    sheets.Column("name", "姓名", ("学生姓名",)),
    sheets.Column("gender", "性别", optional_value=True, parse=sheets.choice(
        Gender.labels(), {"男性": Gender.MALE.label, "女性": Gender.FEMALE.label})),
    sheets.Column("id_number", ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, parse=id_number),
    # 学段 and 入学年月 are often missing from 学籍 exports: the stage is then read from the grade (grades.py)
    sheets.Column("stage", "学段", ("学段名称", "所属学段", "教育阶段"), required=False, optional_value=True,
                  parse=sheets.choice(Stage.labels(), {synonym: stage.label for stage in Stage
                                                       for synonym in stage.synonyms})),
    sheets.Column("grade", "年级", ("所在年级", "年级名称"), optional_value=True),
    sheets.Column("class_name", "班级", ("班级名称", "所在班级"), optional_value=True),
    sheets.Column("entry_month", "入学年月", ("入学时间", "入学日期", "入学年份"), required=False,
                  optional_value=True, parse=sheets.year_month),
    sheets.Column("hukou_code", "户籍地", ("户籍地代码", "户籍所在地代码", "户口所在地代码"), required=False,
                  optional_value=True, parse=sheets.code(6)),
    sheets.Column("school_code", SCHOOL_CODE, ("学校代码",), required=False, optional_value=True,
                  parse=sheets.code(10)),
)
(STUDENT_NO, NAME, GENDER, ID, STAGE, GRADE, CLASS, ENTRY, HUKOU, SCHOOL) = range(len(COLUMNS))
GENDER_CODES = {member.label: member.value for member in Gender}
STAGES = {member.label: member for member in Stage}
STAGE_CODES = {member: member.value for member in Stage}  # Enum.value is a property: slow in a 50,000-row loop
SCHOOL_MAX_ROWS = 100_000  # one school's file: a large university has ~50,000 students
_EXAMPLE_ID = "32010220150901001" + check_digit("32010220150901001")
TEMPLATE_EXAMPLE = ("G" + _EXAMPLE_ID, "张小明", "男", _EXAMPLE_ID, "小学", "五年级", "五年级（2）班", "2021-09",
                    "320102", "")


@dataclass
class UploadPreview:
    """What a file holds, shown before anything becomes the snapshot; only a clean file has upload_ids."""

    term: Term
    filename: str
    header: list[str] = field(default_factory=list)
    rows_read: int = 0
    students: int = 0
    schools: int = 0
    errors: list[sheets.RowError] = field(default_factory=list)
    errors_total: int = 0
    rows_refused: int = 0
    upload_ids: list[int] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (the file's header, the field read from it or "")
    absent: list[tuple[str, str]] = field(default_factory=list)  # (a field the file leaves out, what is done instead)
    risks: UploadRisks | None = None  # a school's clean file: what confirming it would do that needs a look first

    @property
    def ok(self) -> bool:
        return self.students > 0 and self.errors_total == 0


class UnacknowledgedRisks(EnrolmentError):
    """Confirmation of an upload whose preview warned in red, without the school's acknowledgement."""


class RowsRefused(EnrolmentError):
    """A file with refused rows, or without a student: nothing of it is kept; its preview lists the rows."""

    def __init__(self, preview: UploadPreview):
        super().__init__(f"文件中有 {preview.errors_total} 处错误，未导入任何数据")
        self.preview = preview


ABSENT = {  # what a school's file may leave out, and what is done instead
    "stage": "按年级判断（年级无法判断时取本校唯一的学段）",
    "entry_month": "留空",
    "hukou_code": "外省户籍按身份证件号前六位（签发地）判断",
}
TEMPLATE_HINTS = {
    "student_no": "全国学籍号",
    "gender": "男 或 女；不填时按身份证件号判断",
    "stage": "不填（或没有此列）时按年级判断：一年级至六年级为小学，七年级至九年级、初一至初三为初中，"
             "高一至高三按本校登记的学段为普通高中或中职；年级无法判断时取本校唯一的学段",
    "grade": "如 三年级、七年级、初一、高一、中班",
    "entry_month": "如 2024-09",
    "hukou_code": "户籍所在地的6位区划代码。填写后按户籍地判断是否外省户籍；不填时按身份证件号前六位判断",
    "school_code": "一个文件含多所学校时必填（省级批量导入）",
}


def template_xlsx() -> bytes:
    return sheets.template_xlsx(COLUMNS, TEMPLATE_EXAMPLE, sheet_title="学籍", hints=TEMPLATE_HINTS)


def preview_upload(actor: Actor, school: School, term: Term, source, filename: str) -> UploadPreview:
    """Read a school's file; when clean, keep it as the school's pending upload for the term (the caller commits).
    A file with refused rows raises RowsRefused, its preview attached."""
    ensure_term_open(term)
    defer_checkpoint()
    with within(db.session, (), term.code):  # a pending upload is counted by no figure until it is confirmed
        _discard_pending(school.id, term.code)
        preview = _read(actor, source, filename, term, school)
    _refuse_unless_clean(preview)
    preview.risks = upload_risks(school, db.session.get(EnrolmentUpload, preview.upload_ids[0]))
    return preview


def confirm_upload(actor: Actor, school: School, upload_id: int, acknowledged: bool = False) -> MatchingRun:
    """Make a pending upload the school's snapshot: swap, match, refresh progress — one transaction, the caller's.
    When the preview warned (a file that does not fit the school, hardship students removed) only with acknowledged."""
    upload = _pending(school, upload_id)
    if upload is None:
        raise EnrolmentError("该文件已确认、已作废或已过期，请重新上传")
    term = ensure_term_open(upload.term)
    risks = upload_risks(school, upload)
    if risks.any and not acknowledged:
        raise UnacknowledgedRisks("未导入：预览中有红色提示（见下方），请逐条核对，确认无误后勾选“我已核对以上提示，"
                                  "仍要导入”再点“确认导入并比对”；如果传错了文件，请取消本次上传")
    defer_checkpoint()
    run = _make_current(actor, [upload.id], [school.id], term)
    acknowledged_text = f"；学校已确认提示：{risks.summary()}" if risks.any else ""
    record(actor, AuditAction.UPLOAD_ENROLMENT, Target.of_school(school),
           f"{term.label}：{upload.filename}，学生 {upload.students} 人；{outcome_text(run)}{acknowledged_text}")
    return run


def pending_preview(school: School, upload_id: int) -> UploadPreview | None:
    """The preview of an upload still waiting for confirmation, as far as the database keeps it (not the file's
    headers): shown again when its confirmation is refused."""
    upload = _pending(school, upload_id)
    if upload is None:
        return None
    return UploadPreview(parse_term(upload.term), upload.filename, rows_read=upload.rows_read, students=upload.students,
                         schools=1, upload_ids=[upload.id], risks=upload_risks(school, upload))


def discard_upload(school: School, upload_id: int) -> None:
    upload = _pending(school, upload_id)
    if upload is not None:
        _discard_pending(school.id, upload.term)


def _pending(school: School, upload_id: int) -> EnrolmentUpload | None:
    upload = db.session.get(EnrolmentUpload, upload_id)
    if upload is None or upload.school_id != school.id or upload.status != UploadStatus.PENDING:
        return None
    return upload


def import_file(actor: Actor, source, filename: str, term: Term, school: School | None = None, progress=None
                ) -> tuple[UploadPreview, MatchingRun]:
    """The command line and the province's bulk import job: read and, when clean, make current at once, in the
    caller's transaction (a file with refused rows raises RowsRefused). school=None: a file of many schools.
    progress(rows read, rows at most, message) is told after each batch of rows (a job's progress bar)."""
    ensure_term_open(term)
    defer_checkpoint()
    if school is not None:
        _discard_pending(school.id, term.code)
    preview = _read(actor, source, filename, term, school, progress)
    _refuse_unless_clean(preview)
    if progress is not None:
        progress(preview.rows_read, preview.rows_read,
                 f"已读取并检查 {preview.rows_read:,} 行，全部有效；正在比对 {preview.schools:,} 所学校…")
    school_ids = list(db.session.scalars(select(EnrolmentUpload.school_id)
                                         .where(EnrolmentUpload.id.in_(preview.upload_ids))))
    run = _make_current(actor, preview.upload_ids, school_ids, term)
    target = Target.of_school(school) if school else Target("enrolment", term.code, f"{term.label}学籍批量导入")
    record(actor, AuditAction.UPLOAD_ENROLMENT, target,
           f"{term.label}：{filename}，{preview.schools} 所学校，学生 {preview.students} 人；{outcome_text(run)}")
    return preview, run


def refused_rows(actor: Actor, school: School | None, term: Term, source, filename: str) -> bytes:
    """The refused rows of a file, with their reasons; reads the file again and writes nothing."""
    preview = _read(actor, source, filename, term, school, write=False)
    return sheets.refused_rows_xlsx(preview.header, preview.errors)


def _refuse_unless_clean(preview: UploadPreview) -> None:
    """A file with refused rows (or no student) is refused whole: the caller rolls back the rows written before
    the first error."""
    if not preview.ok:
        preview.upload_ids = []
        raise RowsRefused(preview)


def outcome_text(run: MatchingRun) -> str:
    return f"比对出 {run.students} 人（新增 {run.new}，移出 {run.gone}，类别变化 {run.changed}）"


def _make_current(actor: Actor, upload_ids: list[int], school_ids: list[int], term: Term) -> MatchingRun:
    """Swap the snapshots, match, refresh progress; the caller commits (or rolls everything back)."""
    db.session.execute(
        update(EnrolmentUpload)
        .where(EnrolmentUpload.term == term.code, EnrolmentUpload.status == UploadStatus.CURRENT,
               EnrolmentUpload.school_id.in_(school_ids))
        .values(status=UploadStatus.SUPERSEDED))
    db.session.execute(update(EnrolmentUpload).where(EnrolmentUpload.id.in_(upload_ids))
                       .values(status=UploadStatus.CURRENT, confirmed_at=datetime.now()))
    run = matching.start_run(actor.name, term.code, school_ids[0] if len(school_ids) == 1 else None)
    matching.match(run, school_ids)
    # The superseded snapshot's rows are no longer needed (its header stays as history); matching has
    # already used them to clear 学籍重复 flags they caused elsewhere.
    superseded = select(EnrolmentUpload.id).where(EnrolmentUpload.term == term.code,
                                                  EnrolmentUpload.school_id.in_(school_ids),
                                                  EnrolmentUpload.status == UploadStatus.SUPERSEDED)
    db.session.execute(delete(EnrolmentStudent).where(EnrolmentStudent.upload_id.in_(superseded)),
                       execution_options=SET_BASED)
    return run


def _discard_pending(school_id: int, term: str) -> None:
    pending = select(EnrolmentUpload.id).where(EnrolmentUpload.school_id == school_id, EnrolmentUpload.term == term,
                                               EnrolmentUpload.status == UploadStatus.PENDING)
    db.session.execute(delete(EnrolmentStudent).where(EnrolmentStudent.upload_id.in_(pending)),
                       execution_options=SET_BASED)
    db.session.execute(update(EnrolmentUpload).where(EnrolmentUpload.id.in_(pending))
                       .values(status=UploadStatus.DISCARDED))


class _Reader:
    """Checks the rows a batch at a time and writes them while the file is still clean."""

    def __init__(self, actor: Actor, sheet: sheets.Sheet, term: Term, school: School | None, write: bool = True):
        self.actor, self.sheet, self.term, self.school, self.write = actor, sheet, term, school, write
        self.codes = {school.code: school.id} if school else dict(
            db.session.execute(select(School.code, School.id).where(School.active.is_(True))).all())
        self.stages = {school.id: school.stages} if school else dict(
            db.session.execute(select(School.id, School.stages).where(School.active.is_(True))).all())
        self.rules: dict[int, StageRule] = {}
        self.uploads: dict[int, int] = {}  # school id → its pending EnrolmentUpload's id
        self.counts: Counter[int] = Counter()
        self.groups: Counter[tuple[int, str, str | None]] = Counter()  # (school id, stage, grade) → students
        self.seen: dict[tuple[int, bytes], int] = {}
        self.other_school_rows = 0
        self.known_school_rows = 0
        self.protector = protector()

    def add_uploads(self, school_ids: set[int], filename: str) -> None:
        """A pending EnrolmentUpload for each school of a batch that has none yet, in one INSERT (a province's
        file names a few thousand schools)."""
        new = sorted(school_ids - self.uploads.keys())
        if new:
            self.uploads.update(db.session.execute(
                insert(EnrolmentUpload).returning(EnrolmentUpload.school_id, EnrolmentUpload.id),
                [{"school_id": school_id, "term": self.term.code, "status": UploadStatus.PENDING, "filename": filename,
                  "uploaded_by_id": self.actor.user_id, "uploaded_by_name": self.actor.name} for school_id in new]
            ).all())

    def schools_of(self, batch: list[tuple]) -> tuple[list[tuple], list[int]]:
        """The rows that belong to a known school, and that school's id per row."""
        kept, school_ids = [], []
        if self.school is not None:
            own, school_id = self.school.code, self.school.id
            if set(map(itemgetter(SCHOOL), batch)) <= {None, own}:  # the usual file: no code, or the school's own
                return batch, [school_id] * len(batch)
            for row in batch:
                if row[SCHOOL] is not None and row[SCHOOL] != own:
                    self.other_school_rows += 1
                    self.sheet.refuse(row, SCHOOL_CODE, f"学校标识码 {row[SCHOOL]} 不是本校（{own}），文件属于其他学校")
                else:
                    kept.append(row)
            return kept, [school_id] * len(kept)
        for row in batch:
            school_id = self.codes.get(row[SCHOOL]) if row[SCHOOL] else None
            if row[SCHOOL] is None:
                self.sheet.refuse(row, SCHOOL_CODE, "不能为空：批量导入时每行都要写学校标识码")
            elif school_id is None:
                self.sheet.refuse(row, SCHOOL_CODE, f"学校标识码 {row[SCHOOL]} 不存在或学校已无效")
            else:
                kept.append(row)
                school_ids.append(school_id)
        return kept, school_ids

    def take(self, batch: list[tuple], filename: str) -> None:
        rows, school_ids = self.schools_of(batch)
        self.known_school_rows += len(rows)
        digests = self.protector.digest_many([row[ID] for row in rows])
        row_numbers = list(map(itemgetter(-1), rows))
        firsts = list(map(self.seen.setdefault, zip(school_ids, digests), row_numbers))  # where each ID first came
        stated = list(map(STAGES.get, map(itemgetter(STAGE), rows)))  # None: to be read from the grade
        if firsts == row_numbers and None not in stated:  # the usual batch: no ID twice, every stage given
            kept, kept_schools, kept_digests = rows, school_ids, digests
            stages = list(map(STAGE_CODES.__getitem__, stated))
        else:
            kept, kept_schools, kept_digests, stages = [], [], [], []
            for row, school_id, digest, first, stage in zip(rows, school_ids, digests, firsts, stated):
                if first != row[-1]:
                    self.sheet.refuse(row, ID_NUMBER_LABEL, f"与第 {first} 行重复：同一学生在文件中出现两次")
                    continue
                if stage is None:
                    stage = self.rule(school_id).stage_of(row[GRADE])
                if stage.__class__ is str:
                    self.sheet.refuse(row, COLUMNS[STAGE].label, stage)
                else:
                    kept.append(row)
                    kept_schools.append(school_id)
                    kept_digests.append(digest)
                    stages.append(STAGE_CODES[stage])
        grades = list(map(itemgetter(GRADE), kept))
        self.groups.update(zip(kept_schools, stages, grades))
        if self.sheet.errors_total or not kept or not self.write:
            return  # the file will be refused (or is only checked): checking goes on, writing stops
        numbers = list(map(itemgetter(ID), kept))
        ciphers = self.protector.encrypt_many(numbers)
        masked, genders, birth_years, regions = in_clear(numbers, Gender.MALE.value, Gender.FEMALE.value)
        genders = [GENDER_CODES[stated] if stated else derived
                   for stated, derived in zip(map(itemgetter(GENDER), kept), genders)]
        student_nos = masks_within(list(map(itemgetter(STUDENT_NO), kept)), numbers, masked)
        self.add_uploads(set(school_ids), filename)
        self.counts.update(kept_schools)
        # blobs as bytearray, which sqlite3 binds as they are (bytes first go through its adapter look-up)
        values = list(zip(
            map(self.uploads.__getitem__, kept_schools), kept_schools, repeat(self.term.code), student_nos,
            map(itemgetter(NAME), kept), genders, map(bytearray, kept_digests), map(bytearray, ciphers), masked,
            regions, birth_years, stages, grades,
            map(itemgetter(CLASS), kept), map(itemgetter(ENTRY), kept), map(itemgetter(HUKOU), kept),
            map(itemgetter(-1), kept)))
        # in digest order, as the (upload, digest) index holds them: what reads the upload through that index
        # (the confirmation's checks, matching, a funded list's import) then finds a batch's rows side by side
        # (ordered by the digests as bytes, which compare faster than the bytearrays written)
        order = sorted(range(len(values)), key=kept_digests.__getitem__)
        insert_students(list(map(values.__getitem__, order)))

    def rule(self, school_id: int) -> StageRule:
        if school_id not in self.rules:
            self.rules[school_id] = StageRule(self.stages[school_id])
        return self.rules[school_id]

    def finish(self, preview: UploadPreview) -> None:
        if self.school is not None and self.other_school_rows and not self.known_school_rows:
            raise EnrolmentError(f"文件属于其他学校：学校标识码与本校（{self.school.code}）不符，请上传本校的学籍文件")
        preview.students = sum(self.counts.values())
        preview.schools = len(self.counts)
        preview.upload_ids = list(self.uploads.values())
        if self.uploads:
            stage_grades = defaultdict(list)
            for (school_id, stage, grade), students in self.groups.items():
                stage_grades[school_id].append([stage, grade, students])
            table = EnrolmentUpload.__table__
            db.session.execute(
                update(table).where(table.c.id == bindparam("upload"))
                .values(students=bindparam("students"), rows_read=bindparam("read"),
                        stage_grades=bindparam("stage_grades", type_=table.c.stage_grades.type)),
                [{"upload": upload_id, "students": self.counts[school_id],  # a school's file: all rows it had
                  "read": preview.rows_read if self.school else self.counts[school_id],
                  "stage_grades": stage_grades[school_id]}
                 for school_id, upload_id in self.uploads.items()])


STUDENT_COLUMNS = ("upload_id", "school_id", "term", "student_no", "name", "gender", "id_hash", "id_cipher",
                   "id_masked", "region_prefix", "birth_year", "stage", "grade", "class_name", "entry_month",
                   "hukou_code", "row_number")


def insert_students(rows: list[tuple]) -> None:
    """Write STUDENT_COLUMNS tuples in the session's transaction."""
    insert_plain(EnrolmentStudent.__tablename__, STUDENT_COLUMNS, rows)


# A 全国学籍号 is usually "G" + the ID number: it is stored with the ID part masked, like the ID itself.
masked_student_no = mask_within


def _read(actor: Actor, source, filename: str, term: Term, school: School | None, progress=None,
          write: bool = True) -> UploadPreview:
    config = current_app.config
    limits = {"max_bytes": config.get("UPLOAD_MAX_BYTES", sheets.MAX_BYTES),
              "max_rows": config.get("ENROLMENT_MAX_ROWS", SCHOOL_MAX_ROWS) if school else sheets.MAX_ROWS}
    try:
        sheet = sheets.open_sheet(source, filename, COLUMNS, **limits)
        if school is None and "school_code" not in sheet.columns_found:
            raise EnrolmentError("批量导入的文件需要“学校标识码”列，用来区分各校的学生")
        reader = _Reader(actor, sheet, term, school, write)
        with sheets.collector_paused():  # the loop builds many short-lived containers and no cycles
            for batch in sheet.batches():
                reader.take(batch, filename)
                if progress is not None:
                    progress(sheet.rows_read, max(sheet.rows_bound or 0, sheet.rows_read))
    except sheets.SheetError as refusal:
        raise EnrolmentError(str(refusal)) from None
    preview = UploadPreview(term, filename, sheet.header, sheet.rows_read, errors=sheet.errors,
                            errors_total=sheet.errors_total, rows_refused=sheet.rows_refused,
                            columns=[(name, column.label if column else "") for name, column in sheet.header_map()],
                            absent=[(column.label, ABSENT[column.key]) for column in COLUMNS
                                    if column.key not in sheet.columns_found and column.key in ABSENT])
    reader.finish(preview)
    return preview
