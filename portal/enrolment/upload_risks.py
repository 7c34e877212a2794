"""What confirming a school's pending upload would do that the school must look at before it goes ahead: a file
whose stages or grades do not fit the school's registered stages (likely another school's file), and the hardship
students the swap would take out of the library. The first is judged from the file's students per stage and
grade, counted as it was read and kept with the pending upload; the second is read with a grouped query. The preview
shows them in red and confirmation needs an explicit acknowledgement while any is present."""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.enrolment.grades import StageRule
from portal.enrolment.matching import was_matched
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipStudent
from portal.extensions import db
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.org.models import School
from portal.vocab import Stage

NAMES_SHOWN = 30


@dataclass
class UploadRisks:
    registered: str  # the school's stages as users read them: 小学、初中
    stages: list[tuple[str, int]] = field(default_factory=list)  # (a stage the school does not teach, students)
    grades: list[tuple[str, int]] = field(default_factory=list)  # (a grade of no stage the school teaches, students)
    removed: int = 0  # hardship students confirming would take out of the library
    removed_names: list[str] = field(default_factory=list)  # the first NAMES_SHOWN of them, "姓名（班级）"

    @property
    def misfit(self) -> bool:
        return bool(self.stages or self.grades)

    @property
    def any(self) -> bool:
        return self.misfit or self.removed > 0

    def summary(self) -> str:
        """One line for the audit log: what the school acknowledged."""
        parts = []
        if self.misfit:
            parts.append(f"学段或年级与本校登记的学段（{self.registered}）不符")
        if self.removed:
            parts.append(f"将移出 {self.removed} 名特殊困难学生")
        return "；".join(parts)


def upload_risks(school: School, upload: EnrolmentUpload) -> UploadRisks:
    risks = UploadRisks(Stage.labels_of(school.stages) or "未登记")
    _misfits(risks, StageRule(school.stages), upload.stage_grades)
    _removals(risks, school.id, upload.id, upload.term)
    return risks


def _misfits(risks: UploadRisks, rule: StageRule, stage_grades: list) -> None:
    """Students per (stage, grade) of the file, counted as it was read: a few dozen groups, judged against the
    school's stages as they are now."""
    stages, grades = Counter(), Counter()
    for stage, grade, students in stage_grades:
        stage_fits, grade_fits = rule.fits(Stage(stage) if stage else None, grade)
        if not stage_fits:
            stages[Stage.label_of(stage)] += students
        elif not grade_fits:
            grades[grade] += students
    risks.stages, risks.grades = stages.most_common(), grades.most_common()


def _removals(risks: UploadRisks, school_id: int, upload_id: int, term: str) -> None:
    """The students matching would deactivate: found by a match before, and no longer both in the file and in
    the base library (the rule portal.enrolment.matching applies to students it does not find again)."""
    row, pupil, record, batch = HardshipStudent, EnrolmentStudent, LibraryRecord, LibraryBatch
    found_again = (select(pupil.id).join(record, record.id_hash == pupil.id_hash)
                   .join(batch, batch.id == record.batch_id)
                   .where(pupil.upload_id == upload_id, pupil.id_hash == row.id_hash,
                          batch.status == BatchStatus.CURRENT).exists())
    leaving = (select(row.name, row.class_name)
               .where(row.school_id == school_id, row.term == term, was_matched(), ~found_again))
    risks.removed = db.session.scalar(select(func.count()).select_from(leaving.subquery()))
    if risks.removed:
        shown = db.session.execute(leaving.order_by(row.class_name, row.name).limit(NAMES_SHOWN)).all()
        risks.removed_names = [f"{name}（{class_name}）" if class_name else name for name, class_name in shown]
