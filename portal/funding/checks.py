"""The row rules of a funded list, shared by the file import and the hand-entry form: the student must be in
the school's enrolment for the term, the project one the school may use for that student's stage, the
money within the project's standards, the payment date inside the period, no student twice per project.
Rows are checked in batches; a row's reasons go to the reader's Sheet.refuse (or any object with refuse)."""
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select

from portal.extensions import db
from portal.funding import catalogue
from portal.funding.models import FundingProject, FundingRecord
from portal.funding.national import fold, name_variants
from portal.funding.students import enrolled_students
from portal.org.models import School
from portal.protect import protector
from portal.sheet_values import ID_NUMBER_LABEL
from portal.terms import Period
from portal.vocab import FundingImportMode, ProjectLevel, Stage


class ProjectRule(NamedTuple):
    """What the checks need of a project, read once per import (ORM attributes are slow in a 50,000-row loop)."""

    id: int
    label: str  # 国家助学金（本专科）
    national: bool
    level: str  # ProjectLevel: which of the period's lists the record belongs to
    tiered: bool
    ceiling: Decimal
    choices: frozenset
    standards_text: str

    @classmethod
    def of(cls, project: FundingProject) -> "ProjectRule":
        return cls(project.id, f"{project.name}（{project.stage_labels}）", project.level == ProjectLevel.NATIONAL.value,
                   project.level, bool(project.standards), catalogue.yearly_ceiling(project),
                   frozenset(catalogue.standard_choices(project)), project.standards_text)


class CheckedRow(NamedTuple):
    project: ProjectRule
    id_hash: bytes
    id_cipher: bytes
    id_masked: str
    name: str
    standard: Decimal | None
    amount: Decimal | None
    paid_on: object
    card: str | None
    row: int

    @property
    def incomplete(self) -> bool:
        """003 §二(四): no bank card, standard, payment date or amount."""
        return self.card is None or self.standard is None or self.paid_on is None or self.amount is None


class ProjectResolver:
    """资助项目 + the student's stage → exactly one active project the school may use, or the reason why not.
    A name may be the catalogue's or a synonym of it (portal.funding.national.name_variants); `taken` keeps
    which project each name of the file was taken as, for the preview."""

    def __init__(self, school: School):
        self.school_stages = [stage.value for stage in school.stage_list]
        self.by_name: dict[str, list[FundingProject]] = {}
        self._rules: dict[int, ProjectRule] = {}  # built now: no ORM access while a helper thread writes
        for project in catalogue.projects_for_school(school):
            self.by_name.setdefault(fold(project.name), []).append(project)
            self._rules[project.id] = ProjectRule.of(project)
        self._stages = {project.id: set(project.stages.split(",")) for projects in self.by_name.values()
                        for project in projects}
        self._stage_labels = {project.id: project.stage_labels for projects in self.by_name.values()
                              for project in projects}
        self.cache: dict[tuple[str, str | None], tuple[ProjectRule | None, str]] = {}
        self.taken: dict[str, dict[str, bool]] = {}  # name in the file → {project label: by a synonym}

    def resolve(self, name: str, stage: str | None) -> tuple[ProjectRule | None, str]:
        key = (name, stage)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._resolve(name, stage)
        return found

    def _resolve(self, name: str, stage: str | None) -> tuple[ProjectRule | None, str]:
        folded = fold(name)
        candidates = self._named(folded) or self._named(folded.split("（")[0].split("(")[0])
        if not candidates:
            return None, f"资助项目“{name}”不在本校可用的资助项目目录中（请核对名称，或先在项目目录中设立）"
        stages = [stage] if stage else self.school_stages
        for project in candidates:
            if set(stages) & self._stages[project.id]:
                rule = self._rules[project.id]
                self.taken.setdefault(name, {})[rule.label] = fold(project.name) != folded
                return rule, ""
        shown = "、".join(Stage.label_of(code) for code in stages)
        return None, f"资助项目“{name}”不适用于该生所在学段（{shown}），适用学段：{self._stage_labels[candidates[0].id]}"

    def _named(self, folded: str) -> list[FundingProject]:
        """Projects of this name, then those of its synonyms (the exact name first)."""
        others = sorted(fold(variant) for variant in name_variants(folded) if fold(variant) != folded)
        return [project for key in (folded, *others) for project in self.by_name.get(key, [])]

    def names_taken(self) -> list[tuple[str, str, bool]]:
        """(name in the file, project it was taken as, whether by a synonym), in the order first met."""
        return [(name, label, synonym) for name, labels in self.taken.items() for label, synonym in labels.items()]


class Checker:
    """Every row rule, applied batch by batch. Rows that pass take the fast path; only a refused row has its
    reasons worked out (all of them, so the user fixes the row once)."""

    def __init__(self, school: School, period: Period, mode: str, students: dict | None = None):
        self.school, self.period = school, period
        self.students = enrolled_students(school.id, period.term.code) if students is None else students
        self.projects = ProjectResolver(school)
        # 中职's national projects are listed by month, every other record by term (003 annex 3)
        self.monthly = period.is_month
        self.default_stage = school.stages if school.stages == Stage.VOCATIONAL.value else None
        self.seen: dict[tuple[bytes, int], int] = {}
        if mode == FundingImportMode.APPEND.value:
            existing = db.session.execute(select(FundingRecord.id_hash, FundingRecord.project_id).where(
                FundingRecord.school_id == school.id, FundingRecord.term == period.term.code,
                FundingRecord.period == period.code))
            self.seen = {(id_hash, project_id): 0 for id_hash, project_id in existing}

    def check(self, sheet, batch: list[tuple]) -> list[CheckedRow]:
        """batch: reader tuples (学校标识码, ID, 姓名, 资助项目, 标准, 金额, 发放时间, 银行卡号, row number)."""
        hashes = protector().digest_many([record[1] for record in batch])
        accepted = []
        append, seen, students, resolve = accepted.append, self.seen, self.students, self.projects.resolve
        fits = self.fits_period
        own_code, starts, ends, absurd = self.school.code, self.period.starts, self.period.ends, catalogue.ABSURD_AMOUNT
        for record, id_hash in zip(batch, hashes):
            school_code, _, name, project_name, standard, amount, paid_on, card, row = record
            student = students.get(id_hash)
            rule = resolve(project_name, student[2])[0] if student is not None else None
            if (rule is not None and fits(rule, student[2]) and (school_code is None or school_code == own_code)
                    and (amount is None or 0 < amount <= rule.ceiling)
                    and (standard is None or standard in rule.choices or (not rule.tiered and 0 < standard <= absurd))
                    and (paid_on is None or starts <= paid_on <= ends) and (id_hash, rule.id) not in seen):
                seen[id_hash, rule.id] = row
                append(CheckedRow(rule, id_hash, student[0], student[1], name[:64], standard, amount, paid_on,
                                  card, row))
            else:
                for column, reason in self.problems(record, id_hash, student, rule):
                    sheet.refuse(record, column, reason)
        return accepted

    def problems(self, record: tuple, id_hash: bytes, student, rule: ProjectRule | None) -> list[tuple[str, str]]:
        school_code, _, name, project_name, standard, amount, paid_on, card, row = record
        period, found = self.period, []
        if school_code is not None and school_code != self.school.code:
            found.append(("学校标识码", f"学校标识码 {school_code} 不是本校（{self.school.code}）的，请确认上传的是本校的名单"))
        if student is None:
            found.append((ID_NUMBER_LABEL, f"该生不在本校{period.term.label}学期的学籍名单中，请核对证件号或先上传学籍"))
        elif rule is None:
            found.append(("资助项目", self.projects.resolve(project_name, student[2])[1]))
        if rule is not None and not self.fits_period(rule, student[2]):
            found.append(("资助项目", self.period_problem(rule)))
        if rule is not None:
            found += self._money_problems(rule, standard, amount)
            first = self.seen.get((id_hash, rule.id))
            if first is not None:
                found.append(("资助项目", f"与第 {first} 行重复（同一学生同一项目）" if first else
                              "本期已有该生该项目的记录；如需重新导入，请选择“替换本期名单”"))
        if paid_on is not None and not period.starts <= paid_on <= period.ends:
            found.append(("发放时间", f"发放时间 {paid_on:%Y-%m-%d} 不在{period.label}"
                                     f"（{period.starts:%Y-%m-%d} 至 {period.ends:%Y-%m-%d}）内"))
        return found

    def fits_period(self, rule: ProjectRule, stage: str | None) -> bool:
        """A month's list holds 中职 students' national projects, a term's list everything else."""
        return (rule.national and (stage or self.default_stage) == Stage.VOCATIONAL.value) == self.monthly

    def period_problem(self, rule: ProjectRule) -> str:
        if self.monthly:
            return (f"{self.period.label}的名单只收中职学生的国家资助项目；{rule.label}请在"
                    f"{self.period.term.label}学期名单中填报")
        return f"中职学生的国家资助项目按月填报，{rule.label}请在对应月份（如 2026-10）的名单中填报"

    @staticmethod
    def _money_problems(rule: ProjectRule, standard, amount) -> list[tuple[str, str]]:
        found = []
        if amount is not None and amount == 0:
            found.append(("资助金额", "资助金额应大于0（尚未发放请留空）"))
        elif amount is not None and amount > rule.ceiling:
            found.append(("资助金额", f"资助金额 {amount:,.2f} 元超过该项目每生每年最高 {rule.ceiling:,.0f} 元，请核对"))
        if standard is not None and rule.tiered and standard not in rule.choices:
            found.append(("资助标准", f"资助标准 {standard:,.2f} 元不是该项目的标准（{rule.standards_text}）"))
        elif standard is not None and not rule.tiered and not 0 < standard <= catalogue.ABSURD_AMOUNT:
            found.append(("资助标准", f"资助标准应大于0且不超过 {catalogue.ABSURD_AMOUNT:,.0f} 元"))
        return found
