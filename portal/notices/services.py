"""The notices' work as plain functions: which students a batch takes (the library table's filters), each
student's notice (template, school settings, the catalogue's policies of the stage, what was received this
period), the record of who was told, the province's template and each school's settings."""
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, Select, String, func, insert, literal, select

from portal.audit.services import Actor, Target, record
from portal.bulk import inserted
from portal.deadlines import services as deadlines
from portal.enrolment.forms import LibraryFilterForm
from portal.enrolment.library import LibraryFilter, library_students
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding import catalogue, students as funding
from portal.notices import text
from portal.notices.errors import NoticeError
from portal.notices.models import NoticeMethod, NoticeRecord, NoticeSchoolSettings, NoticeTemplate
from portal.org.models import School
from portal.terms import Term, term_period
from portal.vocab import AuditAction, Category, DeadlineModule, DeadlineTask, Stage

# The PDF of a batch is made in the request only up to this many students; a larger batch is a background job
# (portal.notices.jobs) whose page shows the progress and offers the PDF, or prints from the browser.
WEB_PDF_LIMIT = 200

# The categories as a family reads them: what the household is, never the department's jargon.
FAMILY_WORDS = {
    Category.POVERTY.value: "建档立卡家庭",
    Category.DIBAO.value: "最低生活保障家庭",
    Category.TEKUN.value: "特困救助供养家庭",
    Category.ORPHAN.value: "孤儿（由监护人代为申请）",
    Category.DISABLED.value: "残疾学生家庭",
    Category.OUT_OF_PROVINCE.value: "经全国学生资助管理系统认定的家庭经济困难家庭",
}


# -- which students -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """A batch: the library table's filters (class, grade, category, flag, notified, search), its funding
    filter, or one student."""

    filters: LibraryFilter = field(default_factory=LibraryFilter)
    funding: str = ""
    student_id: int | None = None

    @classmethod
    def from_args(cls, args) -> "Selection":
        wanted = args.get("student", "")
        return cls(LibraryFilterForm.read(args),
                   args.get("funding") if args.get("funding") in funding.STATUS_FILTERS else "",
                   int(wanted) if wanted.isdigit() else None)

    @classmethod
    def of_class(cls, class_name: str) -> "Selection":
        return cls(LibraryFilter(class_name=class_name))

    def args(self) -> dict:
        """The query arguments that select this batch again (for links and forms)."""
        found = {"class": self.filters.class_name, "grade": self.filters.grade, "category": self.filters.category,
                 "flag": self.filters.flag, "q": self.filters.search, "notified": self.filters.notified,
                 "funding": self.funding, "student": self.student_id or ""}
        return {key: value for key, value in found.items() if value}

    def describe(self) -> str:
        parts = [self.filters.grade, self.filters.class_name,
                 Category.label_of(self.filters.category) if self.filters.category else "",
                 funding.STATUS_FILTERS.get(self.funding, ""),
                 {"yes": "已告知", "no": "未告知"}.get(self.filters.notified, ""),
                 f"“{self.filters.search}”" if self.filters.search else ""]
        return " ".join(part for part in parts if part) or "全部学生"


def selected_students(school: School, term: Term, selection: Selection) -> Select:
    """select(HardshipStudent) of the batch, in the library's order (class, then name)."""
    filters = replace(selection.filters, sort="class", descending=False)
    query = library_students(school.id, term.code, filters)
    if selection.funding:
        query = funding.with_status(query, school.id, funding.library_period(school, term), selection.funding)
    if selection.student_id:
        query = query.where(HardshipStudent.id == selection.student_id)
    return query


def count_selected(school: School, term: Term, selection: Selection) -> int:
    query = selected_students(school, term, selection).order_by(None)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


# -- one student's notice ---------------------------------------------------------------------------
@dataclass
class Policy:
    name: str
    level: str
    standard: str
    period: str
    note: str


POLICY_MARK = text.POLICY_MARK


@dataclass
class Notice:
    """Everything one printed page says, as plain text (pages escape it, the PDF draws it)."""

    student_id: int | None
    title: str
    school_name: str
    student_name: str
    class_name: str
    grade: str
    stage: str
    term_label: str
    family: str
    policies: list[Policy]
    period_label: str
    received_projects: list[str]
    received_amount: Decimal
    paragraphs: list[str]  # text.POLICY_MARK stands where the policy table goes
    school_paragraph: str
    contact: str
    apply_by: str


@dataclass(frozen=True)
class Template:
    title: str
    body: str
    school_paragraph_allowed: bool
    updated_by_name: str | None = None
    updated_at: datetime | None = None


def current_template() -> Template:
    saved = db.session.scalar(select(NoticeTemplate).order_by(NoticeTemplate.id).limit(1))
    if saved is None:
        return Template(text.DEFAULT_TITLE, text.DEFAULT_BODY, True)
    return Template(saved.title, saved.body, saved.school_paragraph_allowed, saved.updated_by_name, saved.updated_at)


def school_settings(school_id: int) -> NoticeSchoolSettings:
    found = db.session.get(NoticeSchoolSettings, school_id) if school_id is not None else None
    return found or NoticeSchoolSettings(school_id=school_id)


class NoticeBuilder:
    """Builds the notices of one school and term: the template, settings, catalogue and deadline are read
    once; what was received is read once per batch of students (one query)."""

    def __init__(self, school: School, term: Term, template: Template | None = None,
                 settings: NoticeSchoolSettings | None = None):
        self.school, self.term = school, term
        self.template = template or current_template()
        self.settings = settings or school_settings(school.id)
        self.projects = catalogue.projects_for_school(school)
        self.period = funding.library_period(school, term)
        self._apply_by: dict[str, str] = {}

    def policies(self, stage: str | None) -> list[Policy]:
        stages = [stage] if stage else self.school.stages.split(",")
        return [Policy(project.name, project.level_label, project.standards_text, project.period_label,
                       project.note or "")
                for project in self.projects if set(project.stages.split(",")) & set(stages)]

    def apply_by(self, stage: str | None) -> str:
        if self.settings.apply_by:
            return _chinese_date(self.settings.apply_by)
        key = stage or self.school.stages
        if key not in self._apply_by:
            due = deadlines.due_date(key.split(","), [DeadlineModule.STUDENT_INFO], [DeadlineTask.IDENTIFY],
                                     term_period(self.term))
            self._apply_by[key] = _chinese_date(due) if due else "学校通知的日期"
        return self._apply_by[key]

    def build(self, students: list[HardshipStudent]) -> list[Notice]:
        paid = funding.paid(self.school.id, self.period, students)
        return [self.notice(student, paid.get(student.id_hash)) for student in students]

    def notice(self, student, paid: funding.Paid | None) -> Notice:
        family = "、".join(FAMILY_WORDS.get(code, Category.label_of(code))
                          for code in student.categories.split(",") if code) or "家庭经济困难家庭"
        contact = (self.settings.contact or "").strip() or "学校尚未登记，请先询问班主任"
        values = {"学校": self.school.name, "学生": student.name, "班级": student.class_name or "",
                  "年级": student.grade or "", "学段": Stage.label_of(student.stage), "学期": self.term.label,
                  "困难情况": family, "申请截止日期": self.apply_by(student.stage), "联系方式": contact,
                  "资助项目": text.POLICY_MARK}
        allowed = self.template.school_paragraph_allowed
        return Notice(
            student_id=student.id, title=self.template.title, school_name=self.school.name, student_name=student.name,
            class_name=student.class_name or "", grade=student.grade or "", stage=Stage.label_of(student.stage),
            term_label=self.term.label, family=family, policies=self.policies(student.stage),
            period_label=self.period.label, received_projects=list(paid.projects) if paid else [],
            received_amount=paid.amount if paid else Decimal(0),
            paragraphs=text.blocks(text.fill(self.template.body, values)),
            school_paragraph=(text.fill(self.settings.school_paragraph or "", values).replace(text.POLICY_MARK, "")
                              .strip() if allowed else ""),
            contact=contact, apply_by=values["申请截止日期"])


def received_text(notice: Notice) -> str:
    if notice.received_projects:
        return (f"本期（{notice.period_label}）孩子已享受：{'、'.join(notice.received_projects)}，"
                f"合计 {notice.received_amount:,.2f} 元。")
    return f"本期（{notice.period_label}）孩子尚未享受资助，请按下面的方法及时申请。"


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notices_for(school: School, term: Term, selection: Selection) -> list[Notice]:
    students = db.session.scalars(selected_students(school, term, selection)).all()
    return NoticeBuilder(school, term).build(list(students))


def iter_notice_chunks(school: School, term: Term, selection: Selection, chunk: int = 200):
    """The batch's notices a chunk at a time (ids read first, then a chunk of students and their funding)."""
    ids = list(db.session.scalars(selected_students(school, term, selection).with_only_columns(HardshipStudent.id)))
    builder = NoticeBuilder(school, term)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        students = {s.id: s for s in db.session.scalars(select(HardshipStudent).where(HardshipStudent.id.in_(part)))}
        yield len(ids), builder.build([students[i] for i in part])


def record_printing(actor: Actor, school: School, term: Term, selection: Selection, count: int, how: str) -> None:
    record(actor, AuditAction.PRINT_NOTICES, Target.of_school(school),
           f"{term.label}｜{selection.describe()}｜{count} 份｜{how}")


# -- who was told ---------------------------------------------------------------------------------
def record_told(actor: Actor, school: School, term: Term, selection: Selection, notified_on: date | None,
                method: str, today: date | None = None) -> int:
    """One NoticeRecord per student of the batch (INSERT … SELECT), one audit entry, the school's figures."""
    if method not in {member.value for member in NoticeMethod}:
        raise NoticeError("请选择告知方式（打印告知书、家访、电话或群消息）")
    if notified_on is None:
        raise NoticeError("请填写告知日期")
    if notified_on > (today or deadlines.today()):
        raise NoticeError("告知日期不能晚于今天")
    students = selected_students(school, term, selection).order_by(None).subquery()
    rows = select(students.c.id, literal(school.id, Integer), literal(term.code, String), literal(notified_on, Date),
                  literal(method, String), literal(actor.user_id, Integer), literal(actor.name, String),
                  literal(datetime.now(), DateTime))
    count = inserted(insert(NoticeRecord).from_select(
        ["student_id", "school_id", "term", "notified_on", "method", "by_user_id", "by_name", "created_at"], rows),
        NoticeRecord.id)
    if not count:
        raise NoticeError("所选范围内没有学生")
    record(actor, AuditAction.RECORD_NOTICE, Target.of_school(school),
           f"{term.label}｜{selection.describe()}｜{count} 人｜{NoticeMethod.label_of(method)}｜{notified_on:%Y-%m-%d}")
    return count


@dataclass(frozen=True)
class Told:
    on: date
    method: str
    by: str
    times: int


def told(student_ids: Iterable[int]) -> dict[int, Told]:
    """Student id → the latest telling (and how many there were), for a page of students: one query."""
    ids = list(student_ids)
    found: dict[int, Told] = {}
    if not ids:
        return found
    rows = db.session.execute(select(NoticeRecord).where(NoticeRecord.student_id.in_(ids))
                              .order_by(NoticeRecord.notified_on, NoticeRecord.id)).scalars()
    for row in rows:
        times = found[row.student_id].times + 1 if row.student_id in found else 1
        found[row.student_id] = Told(row.notified_on, row.method_label, row.by_name, times)
    return found


def history(student_id: int) -> list[NoticeRecord]:
    return list(db.session.scalars(select(NoticeRecord).where(NoticeRecord.student_id == student_id)
                                   .order_by(NoticeRecord.notified_on.desc(), NoticeRecord.id.desc())))


# -- the province's template and a school's settings ------------------------------------------------
def check_template(title: str, body: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not title or len(title) > text.MAX_TITLE:
        raise NoticeError(f"请填写标题（不超过{text.MAX_TITLE}个字）")
    if not body or len(body) > text.MAX_BODY:
        raise NoticeError(f"请填写正文（不超过{text.MAX_BODY}个字）")
    text.check(title, "标题")
    text.check(body, "正文")
    return title, body


def save_template(actor: Actor, title: str, body: str, school_paragraph_allowed: bool) -> None:
    title, body = check_template(title, body)
    saved = db.session.scalar(select(NoticeTemplate).order_by(NoticeTemplate.id).limit(1))
    if saved is None:
        saved = NoticeTemplate()
        db.session.add(saved)
    saved.title, saved.body, saved.school_paragraph_allowed = title, body, school_paragraph_allowed
    saved.updated_by_name, saved.updated_at = actor.name, datetime.now()
    record(actor, AuditAction.EDIT_NOTICE_TEMPLATE, Target("notice_template", None, title),
           f"学校段落：{'允许' if school_paragraph_allowed else '不允许'}")


def save_settings(actor: Actor, school: School, contact: str, school_paragraph: str, apply_by: date | None) -> None:
    contact = (contact or "").strip()
    school_paragraph = (school_paragraph or "").replace("\r\n", "\n").strip()
    if len(contact) > 200:
        raise NoticeError("联系方式不超过200个字")
    if len(school_paragraph) > text.MAX_PARAGRAPH:
        raise NoticeError(f"学校段落不超过{text.MAX_PARAGRAPH}个字")
    if school_paragraph and not current_template().school_paragraph_allowed:
        raise NoticeError("省级模板目前不允许学校添加自己的段落")
    text.check(school_paragraph, "学校段落")
    settings = db.session.get(NoticeSchoolSettings, school.id)
    if settings is None:
        settings = NoticeSchoolSettings(school_id=school.id)
        db.session.add(settings)
    settings.contact, settings.school_paragraph, settings.apply_by = contact or None, school_paragraph or None, apply_by
    settings.updated_at = datetime.now()
    record(actor, AuditAction.EDIT_NOTICE_SETTINGS, Target.of_school(school),
           f"联系方式：{contact or '未填'}；申请截止日期：{apply_by or '按截止日期表'}")


SAMPLE = dict(name="张小明", class_name="三年级2班", grade="三年级", categories=f"{Category.DIBAO.value}")


def preview(school: School, term: Term, template: Template, settings: NoticeSchoolSettings | None = None) -> Notice:
    """The notice of a made-up student (张小明), for the template's preview: nobody real is shown."""
    builder = NoticeBuilder(school, term, template, settings)
    stage = school.stages.split(",")[0]
    sample = HardshipStudent(id=None, stage=stage, **SAMPLE)
    return builder.notice(sample, None)
