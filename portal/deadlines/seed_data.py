"""The calendar of 003's annex tables (研究生、本专科、中职、普通高中、义教、学前), as seed rows.
Where a table lists several projects for one task, the stage's main national project is taken (named in the note)."""
from portal.vocab import DeadlineCycle, DeadlineTask, Stage

GRADUATE_LEVEL = (Stage.GRADUATE, Stage.UNDERGRADUATE)
BASIC = (Stage.SENIOR, Stage.PRIMARY, Stage.JUNIOR, Stage.PRESCHOOL)
COMPULSORY = (Stage.PRIMARY, Stage.JUNIOR)

# (stages, task, spring (month, day) or None, autumn (month, day) or None, monthly day or None, note)
TABLE = (
    (GRADUATE_LEVEL, DeadlineTask.IDENTIFY, (5, 20), (11, 20), None, "家庭经济信息录入与困难学生认定管理"),
    ((Stage.VOCATIONAL,), DeadlineTask.IDENTIFY, None, None, 15, "家庭经济信息录入与困难学生认定管理"),
    (BASIC, DeadlineTask.IDENTIFY, (4, 30), (10, 31), None, "家庭经济信息录入与困难学生认定管理"),

    (GRADUATE_LEVEL, DeadlineTask.FUNDING_ENTRY, (7, 5), (1, 5), None, "国家助学金"),
    ((Stage.VOCATIONAL,), DeadlineTask.FUNDING_ENTRY, None, None, 20, "国家助学金、国家免学费：资助名单录入及审核"),
    ((Stage.SENIOR,), DeadlineTask.FUNDING_ENTRY, (6, 20), (12, 20), None, "国家助学金"),
    (COMPULSORY, DeadlineTask.FUNDING_ENTRY, (6, 20), (12, 20), None, "困难生生活补助"),
    ((Stage.PRESCHOOL,), DeadlineTask.FUNDING_ENTRY, (6, 20), (12, 20), None, "地方政府资助"),

    (GRADUATE_LEVEL, DeadlineTask.FUNDING_SCHOOL_REVIEW, (7, 10), (1, 10), None, "国家助学金"),
    ((Stage.VOCATIONAL,), DeadlineTask.FUNDING_SCHOOL_REVIEW, None, None, 20, "国家助学金、国家免学费：资助名单录入及审核"),
    (BASIC, DeadlineTask.FUNDING_SCHOOL_REVIEW, (6, 30), (12, 31), None, None),

    (GRADUATE_LEVEL, DeadlineTask.FUNDING_AUTHORITY_REVIEW, (7, 31), (1, 31), None, "国家助学金"),
    ((Stage.VOCATIONAL,), DeadlineTask.FUNDING_AUTHORITY_REVIEW, None, None, 25, "国家助学金、国家免学费"),
    (BASIC, DeadlineTask.FUNDING_AUTHORITY_REVIEW, (7, 31), (1, 31), None, None),

    ((Stage.GRADUATE, Stage.UNDERGRADUATE, Stage.PRIMARY, Stage.JUNIOR, Stage.PRESCHOOL),
     DeadlineTask.UNFUNDED_REPORT, (7, 15), (1, 15), None, "建档立卡学生"),
    ((Stage.VOCATIONAL,), DeadlineTask.UNFUNDED_REPORT, None, None, 15, "建档立卡学生；2月、8月不填报"),
    # Annex 4 (普通高中) has no such row; 003 §二(四) says every stage but 中职 reports per term, so the
    # same dates as the other stages are seeded and the province may change them.
    ((Stage.SENIOR,), DeadlineTask.UNFUNDED_REPORT, (7, 15), (1, 15), None, "附件4未列出，按学期填报，日期同其他学段"),
)


def seed_rows() -> list[dict]:
    rows = []
    for stages, task, spring, autumn, monthly, note in TABLE:
        for stage in stages:
            if spring:
                rows.append(_row(stage, task, DeadlineCycle.SPRING, spring[0], spring[1], note))
            if autumn:
                rows.append(_row(stage, task, DeadlineCycle.AUTUMN, autumn[0], autumn[1], note))
            if monthly:
                rows.append(_row(stage, task, DeadlineCycle.MONTHLY, None, monthly, note))
    return rows


def _row(stage: Stage, task: DeadlineTask, cycle: DeadlineCycle, month: int | None, day: int, note: str | None) -> dict:
    return {"stage": stage.value, "task": task.value, "cycle": cycle.value, "month": month, "day": day, "note": note}
