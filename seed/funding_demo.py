"""Demo funding: the national projects of every stage, a local and a social project, funded records for most
library students of the current term (about one in eight left unfunded, a few records without a bank card),
funded-list submissions in several states for the demo county, and fiscal allocations with a budget document.
Works on whatever library students the enrolment demo made (none at all is fine). Written with Core inserts."""
import os
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, exists, insert, literal, null, select

from portal.audit.services import Actor, Target, record, region_scope_codes
from portal.bulk import inserted
from portal.deadlines import services as deadlines
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.funding import fiscal
from portal.funding.checks import CheckedRow, ProjectRule
from portal.funding.importer import insert_values, record_values
from portal.funding.models import FiscalAllocation, FundingProject, FundingRecord
from portal.funding.national import seed_national_projects
from portal.funding.status import library_condition
from portal.idcard import luhn_ok
from portal.org.models import Region, School
from portal.review.models import PeriodSubmission
from portal.terms import Term, current_term, periods_of, term_period
from portal.vocab import AuditAction, FundLevel, ProjectLevel, Stage, SubmissionKind, SubmissionStatus

PROVINCE = "320000"
DEMO_CITY, DEMO_COUNTY = "320100", "320102"
UNFUNDED_EVERY = 8  # one library student in eight is left unfunded: 12.5 %
NO_CARD_EVERY = 37  # and about one record in 37 lacks a bank card (incomplete, 003 §二(四))
# The project each stage's students receive in the demo.
DEMO_PROJECT = {
    Stage.PRESCHOOL.value: "学前教育资助",
    Stage.PRIMARY.value: "困难生生活补助",
    Stage.JUNIOR.value: "困难生生活补助",
    Stage.SENIOR.value: "国家助学金",
    Stage.VOCATIONAL.value: "国家助学金",
    Stage.UNDERGRADUATE.value: "国家助学金",
    Stage.GRADUATE.value: "国家助学金",
}
# A one-page PDF standing in for a scanned budget document.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def card_number(serial: int) -> str:
    """A 19-digit demo card number (issuer prefix of a real bank, Luhn check digit appended)."""
    body = f"622202{serial:012d}"
    return next(body + digit for digit in "0123456789" if luhn_ok(body + digit))


def seed_funding_demo(today: date | None = None) -> dict[str, int]:
    actor = Actor.command_line()
    today = today or deadlines.today()
    term = current_term(today)
    deadlines.seed_deadlines(actor)  # the fiscal demo dates its allocations before the calendar's dates
    made = {"projects": seed_national_projects(actor, PROVINCE).added}
    made["projects"] += _local_projects()
    db.session.flush()
    made["records"] = _funded_records(actor, term, today)
    made["submissions"] = _submissions(term, today)
    made["allocations"] = _allocations(term, today)
    record(actor, AuditAction.SEED_DEMO, Target("demo", None, "演示省"),
           f"资助演示：{made['projects']} 个项目，{made['records']} 条资助记录，{made['allocations']} 条财政资金")
    return made


def _local_projects() -> int:
    demo_school = db.session.scalar(select(School.id).where(School.county_code == DEMO_COUNTY,
                                                            School.name.contains("小学")).order_by(School.code))
    rows = [
        # 学前 has no national project (003 annex 6): the province's own 学前教育资助 is a local-government one
        {"name": "学前教育资助", "level": ProjectLevel.LOCAL.value, "stages": Stage.PRESCHOOL.value,
         "period_type": "term", "standards": "1500,1000", "standard_per": "year", "owner_region_code": PROVINCE,
         "note": "江苏省设立，资助普惠性幼儿园在园家庭经济困难儿童、孤儿和残疾儿童，标准由省确定分档", "active": True},
        {"name": "南京市困难学生交通补助", "level": ProjectLevel.LOCAL.value, "stages": "primary,junior,senior",
         "period_type": "term", "standards": "300", "standard_per": "term", "owner_region_code": DEMO_CITY,
         "note": "南京市设立，义务教育和普通高中家庭经济困难走读生", "active": True},
        {"name": "爱心企业助学金", "level": ProjectLevel.SOCIAL.value, "stages": "primary", "period_type": "year",
         "standards": "1000", "standard_per": "year", "owner_school_id": demo_school,
         "note": "本地企业捐资，学校评选发放", "active": True},
    ]
    rows = [row for row in rows if row.get("owner_school_id", True)]  # no demo school: no social project
    present = {tuple(row) for row in db.session.execute(select(FundingProject.name, FundingProject.stages))}
    rows = [row for row in rows if (row["name"], row["stages"]) not in present]  # e.g. 学前教育资助 made local
    db.session.execute(insert(FundingProject), rows)
    return len(rows)


def _projects() -> dict[str, FundingProject]:
    found = {}
    for project in db.session.scalars(select(FundingProject).where(FundingProject.owner_school_id.is_(None))):
        for stage in project.stages.split(","):
            if DEMO_PROJECT.get(stage) == project.name:
                found[stage] = project
    return found


def _paid(project: FundingProject, serial: int) -> Decimal:
    tiers = project.standard_amounts or [Decimal(2000)]
    return tiers[serial % len(tiers)]


def _funded_records(actor: Actor, term: Term, today: date) -> int:
    """Records for every library student of the term but one in eight: the term's project for the student's
    stage, paid once per period begun (中职 every month)."""
    projects = _projects()
    rules = {project.id: ProjectRule.of(project) for project in projects.values()}
    students = db.session.execute(
        select(HardshipStudent.id, HardshipStudent.school_id, HardshipStudent.id_hash, HardshipStudent.id_cipher,
               HardshipStudent.id_masked, HardshipStudent.name, HardshipStudent.stage, School.stages)
        .join(School, School.id == HardshipStudent.school_id)
        .where(library_condition(term_period(term)), School.active.is_(True))
        .order_by(HardshipStudent.school_id, HardshipStudent.id)).all()
    by_school: dict[tuple[int, str], list] = {}
    for student in students:
        if student.id % UNFUNDED_EVERY == 0:
            continue
        stage = student.stage or student.stages.split(",")[0]
        project = projects.get(stage)
        if project is None:
            continue
        monthly = stage == Stage.VOCATIONAL.value  # 中职's national projects by month
        for period in periods_of(term, monthly):
            if period.starts > today:
                continue
            standard = _paid(project, student.id)
            amount = (standard / (10 if monthly else 2)).quantize(Decimal("0.01"))  # yearly standard, paid per period
            paid_on = min(today, period.starts + timedelta(days=20 if monthly else 45))
            card = None if student.id % NO_CARD_EVERY == 0 else card_number(student.id)
            by_school.setdefault((student.school_id, period.code), []).append(CheckedRow(
                rules[project.id], student.id_hash, student.id_cipher, student.id_masked, student.name, standard, amount,
                paid_on, card, 0))
    periods = {period.code: period for monthly in (False, True) for period in periods_of(term, monthly)}
    connection = db.session.connection()
    values = [value for (school_id, period_code), rows in by_school.items()
              for value in record_values(school_id, periods[period_code], rows, None, None,
                                         connection.dialect.name == "sqlite")]
    insert_values(connection, values)
    return len(values)


def _submissions(term: Term, today: date) -> int:
    """Funded lists of the demo county's schools in several states, so the county has some to review."""
    period = term_period(term)
    cycle = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.IN_PROGRESS,
             SubmissionStatus.SUBMITTED)
    made = 0
    now = datetime.now()
    # the demo school account's own list stays open (填报中), so a visitor can import and submit it
    demo_school = db.session.scalar(select(School.id).where(School.county_code == DEMO_COUNTY,
                                                            School.name.contains("小学")).order_by(School.code))
    for offset, status in enumerate(cycle):
        has_records = exists().where(FundingRecord.school_id == School.id, FundingRecord.period == period.code)
        done = status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
        chosen = School.id % len(cycle) == offset
        chosen = chosen | (School.id == demo_school) if status is SubmissionStatus.IN_PROGRESS \
            else chosen & (School.id != demo_school)
        rows = (select(School.id, literal(SubmissionKind.FUNDING.value, String), literal(period.code, String),
                       School.city_code, School.county_code, literal(status.value, String),
                       literal(now) if done else null(), literal(1))
                .where(School.county_code == DEMO_COUNTY, School.stages != Stage.VOCATIONAL.value, chosen, has_records,
                       ~exists().where(PeriodSubmission.school_id == School.id, PeriodSubmission.period == period.code,
                                       PeriodSubmission.kind == SubmissionKind.FUNDING.value)))
        made += inserted(insert(PeriodSubmission).from_select(
            ["school_id", "kind", "period", "city_code", "county_code", "status", "submitted_at", "version"],
            rows), PeriodSubmission.id)
    return made


def _allocations(term: Term, today: date) -> int:
    """The province (central and provincial funds), 南京市 and 玄武区 record their shares, each with a scan."""
    projects = _projects()
    plan = (
        (PROVINCE, FundLevel.CENTRAL, Stage.SENIOR, Decimal("186000000"), "财教〔{year}〕102号"),
        (PROVINCE, FundLevel.PROVINCE, Stage.SENIOR, Decimal("62000000"), "苏财教〔{year}〕88号"),
        (PROVINCE, FundLevel.CENTRAL, Stage.PRIMARY, Decimal("93000000"), "财教〔{year}〕97号"),
        (DEMO_CITY, FundLevel.CITY, Stage.SENIOR, Decimal("8600000"), "宁财教〔{year}〕35号"),
        (DEMO_COUNTY, FundLevel.COUNTY, Stage.PRIMARY, Decimal("1200000"), "玄财教〔{year}〕12号"),
    )
    folder = fiscal.documents_folder()
    rows = []
    for region_code, level, stage, amount, number in plan:
        region = db.session.get(Region, region_code)
        if region is None or stage.value not in projects:
            continue
        key = secrets.token_hex(16) + ".pdf"
        with open(os.path.join(folder, key), "wb") as handle:
            handle.write(DEMO_PDF)
        city, county = region_scope_codes(region)
        deadline = dict((item.level, item.due) for item in fiscal.deadlines(term, today)).get(level, today)
        rows.append({"region_code": region_code, "city_code": city, "county_code": county, "term": term.code,
                     "project_id": projects[stage.value].id, "fund_level": level.value, "amount": amount,
                     "document_no": number.format(year=term.year), "allocated_on": min(today, deadline - timedelta(days=10)),
                     "file_name": f"{number.format(year=term.year)}.pdf", "file_key": key, "file_type": "application/pdf",
                     "file_size": len(DEMO_PDF), "created_by_name": "演示数据"})
    if rows:
        db.session.execute(insert(FiscalAllocation), rows)
    return len(rows)
