"""003's annex tables (1 研究生, 2 本专科, 3 中职, 4 普通高中, 5 义教, 6 学前) as seed rows, line by line.

A line is (module, task, cycle, school's dates, authority's dates, note), as the annex prints it:
a term line gives (spring, autumn) pairs of (month, day); a school-year line one (month, day); a monthly
line one day (31: the month's last day); None is the annex's "——". Where the annex names the authority's
tiers apart (中职 资助分档设置: 省 9月5日, 市 9月10日, 县 9月15日) the authority's dates are a dict by party."""
from portal.vocab import DeadlineCycle, DeadlineModule as M, DeadlineParty, DeadlineTask as T, Stage

TERM, YEAR, MONTHLY = "term", DeadlineCycle.YEAR, DeadlineCycle.MONTHLY
SPRING_SETUP, SPRING_AUTUMN_SETUP = (3, 31), ((3, 31), (9, 30))
LIST_REVIEW_BY_AUTHORITY = ((7, 31), (1, 31))


def fiscal(*levels: tuple) -> tuple:
    """财政资金 lines: each tier's 业务操作, authority only."""
    tasks = (T.FISCAL_CENTRAL, T.FISCAL_PROVINCE, T.FISCAL_CITY, T.FISCAL_COUNTY)
    return tuple((M.FISCAL, task, TERM, None, dates, None) for task, dates in zip(tasks, levels))


FISCAL_ALL_LEVELS = fiscal(((4, 30), (10, 31)), ((5, 15), (11, 15)), ((5, 31), (11, 30)), ((6, 15), (12, 15)))
FISCAL_HIGHER = fiscal(((4, 30), (10, 31)), ((5, 15), (11, 15)))  # 部属/省属高校: 中央 and 省 only


def local_and_school(entry: tuple) -> tuple:
    """地方政府资助 and 学校资助、社会资助: the same in every annex but for 地方's 录入 (6-20 or 6-25)."""
    return (
        (M.LOCAL, T.PROJECT_SETUP, TERM, SPRING_AUTUMN_SETUP, SPRING_AUTUMN_SETUP, None),
        (M.LOCAL, T.FUNDING_ENTRY, TERM, entry, None, None),
        (M.LOCAL, T.FUNDING_REVIEW, TERM, ((6, 30), (12, 31)), LIST_REVIEW_BY_AUTHORITY, None),
        (M.SCHOOL_SOCIAL, T.PROJECT_SETUP, TERM, SPRING_AUTUMN_SETUP, None, None),
        (M.SCHOOL_SOCIAL, T.FUNDING_ENTRY, TERM, ((6, 25), (12, 25)), None, None),
        (M.SCHOOL_SOCIAL, T.FUNDING_REVIEW, TERM, ((6, 30), (12, 31)), None, "学校资助、社会资助无主管部门审核"),
    )


def higher_education(scholarships: str) -> tuple:
    """Annexes 1 and 2 (研究生, 本专科) are the same table but for the scholarships' names."""
    return (
        (M.STUDENT_INFO, T.ENROLMENT_INFO, YEAR, (11, 10), None, None),
        (M.STUDENT_INFO, T.IDENTIFY, TERM, ((5, 20), (11, 20)), None, None),
        (M.STUDENT_INFO, T.GRADUATE_INFO, YEAR, (8, 10), None, None),
        (M.SCHOLARSHIP, T.FUNDING_ENTRY, YEAR, (12, 25), None, scholarships),
        (M.SCHOLARSHIP, T.FUNDING_REVIEW, YEAR, (12, 31), (1, 31), scholarships),
        (M.NATIONAL_GRANT, T.FUNDING_ENTRY, TERM, ((7, 5), (1, 5)), None, None),
        (M.NATIONAL_GRANT, T.FUNDING_REVIEW, TERM, ((7, 10), (1, 10)), LIST_REVIEW_BY_AUTHORITY, None),
        (M.MILITARY, T.FUNDING_ENTRY, YEAR, (11, 15), None, None),
        (M.MILITARY, T.FUNDING_REVIEW, YEAR, (11, 20), (11, 30), None),
        (M.GRASSROOTS_FIRST, T.FUNDING_ENTRY, YEAR, (6, 30), None, "部属高校"),
        (M.GRASSROOTS_FIRST, T.FUNDING_REVIEW, YEAR, (7, 10), (8, 31), "部属高校"),
        (M.GRASSROOTS_FIRST, T.PAYMENT_ENTRY, YEAR, (9, 10), None, "部属高校"),
        (M.GRASSROOTS_FIRST, T.PAYMENT_REVIEW, YEAR, (9, 15), None, "部属高校"),
        (M.GRASSROOTS_SECOND, T.FUNDING_ENTRY, YEAR, (12, 31), None, "部属高校"),
        (M.GRASSROOTS_SECOND, T.FUNDING_REVIEW, YEAR, (1, 10), (3, 31), "部属高校"),
        (M.GRASSROOTS_SECOND, T.PAYMENT_ENTRY, YEAR, (4, 10), None, "部属高校"),
        (M.GRASSROOTS_SECOND, T.PAYMENT_REVIEW, YEAR, (4, 15), None, "部属高校"),
        (M.GRASSROOTS_EMPLOYMENT, T.EMPLOYMENT_ENTRY, YEAR, (6, 30), None, "部属高校"),
        (M.GRASSROOTS_EMPLOYMENT, T.FUNDING_REVIEW, YEAR, (7, 10), (8, 31), "部属高校"),
        (M.GRASSROOTS_EMPLOYMENT, T.PAYMENT_ENTRY, YEAR, (9, 10), None, "部属高校"),
        (M.GRASSROOTS_EMPLOYMENT, T.PAYMENT_REVIEW, YEAR, (9, 15), None, "部属高校"),
        *local_and_school(((6, 25), (12, 25))),
        (M.POVERTY, T.UNFUNDED_REPORT, TERM, ((7, 15), (1, 15)), None, None),
        *FISCAL_HIGHER,
    )


VOCATIONAL = (
    (M.STUDENT_INFO, T.IDENTIFY, MONTHLY, 15, None, None),
    (M.STUDENT_INFO, T.BANK_CARDS, MONTHLY, 20, None, None),
    (M.SCHOLARSHIP, T.FUNDING_ENTRY, YEAR, (12, 25), None, None),
    (M.SCHOLARSHIP, T.FUNDING_REVIEW, YEAR, (12, 31), (1, 31), None),
    (M.NATIONAL_GRANT, T.TIER_SETUP, YEAR, None,
     {DeadlineParty.PROVINCE: (9, 5), DeadlineParty.CITY: (9, 10), DeadlineParty.COUNTY: (9, 15)}, None),
    (M.NATIONAL_GRANT, T.FUNDING_ENTRY_REVIEW, MONTHLY, 20, 25, None),
    (M.NATIONAL_GRANT, T.PUBLICITY, MONTHLY, None, 25, None),
    (M.NATIONAL_GRANT, T.PAYMENT, MONTHLY, 31, None, None),
    (M.TUITION_WAIVER, T.MAJOR_STANDARDS, TERM, ((3, 15), (9, 15)), ((3, 15), (9, 15)), None),
    (M.TUITION_WAIVER, T.FUNDING_ENTRY_REVIEW, MONTHLY, 20, 25, None),
    (M.TUITION_WAIVER, T.PUBLICITY, MONTHLY, None, 25, None),
    *local_and_school(((6, 25), (12, 25))),
    (M.POVERTY, T.UNFUNDED_REPORT, MONTHLY, 15, None,
     "每月15日前上报上一个月的情况（该月资助名单审核之后）；2月、8月不填报"),
    *FISCAL_ALL_LEVELS,
)

SENIOR = (
    (M.STUDENT_INFO, T.IDENTIFY, TERM, ((4, 30), (10, 31)), None, None),
    (M.STUDENT_INFO, T.BANK_CARDS, TERM, ((4, 30), (11, 30)), None, None),
    (M.FEE_WAIVER, T.FUNDING_ENTRY, TERM, ((6, 20), (12, 20)), None, None),
    (M.FEE_WAIVER, T.FUNDING_REVIEW, TERM, ((6, 30), (12, 31)), LIST_REVIEW_BY_AUTHORITY, None),
    (M.NATIONAL_GRANT, T.TIER_SETUP, TERM, None, SPRING_AUTUMN_SETUP, None),
    (M.NATIONAL_GRANT, T.FUNDING_ENTRY, TERM, ((6, 20), (12, 20)), None, None),
    (M.NATIONAL_GRANT, T.FUNDING_REVIEW, TERM, ((6, 30), (12, 31)), LIST_REVIEW_BY_AUTHORITY, None),
    *local_and_school(((6, 20), (12, 20))),
    # Annex 4 has no such line; 003 §二(四) has every stage but 中职 report per term, so the other stages'
    # dates are seeded and the province may change them.
    (M.POVERTY, T.UNFUNDED_REPORT, TERM, ((7, 15), (1, 15)), None, "附件4未列出，按学期填报，日期同其他学段"),
    *FISCAL_ALL_LEVELS,
)

COMPULSORY = (
    (M.STUDENT_INFO, T.IDENTIFY, TERM, ((4, 30), (10, 31)), None, None),
    (M.LIVING_ALLOWANCE, T.TIER_SETUP, TERM, None, SPRING_AUTUMN_SETUP, None),
    (M.LIVING_ALLOWANCE, T.FUNDING_ENTRY, TERM, ((6, 20), (12, 20)), None, None),
    (M.LIVING_ALLOWANCE, T.FUNDING_REVIEW, TERM, ((6, 30), (12, 31)), LIST_REVIEW_BY_AUTHORITY, None),
    *local_and_school(((6, 20), (12, 20))),
    (M.POVERTY, T.UNFUNDED_REPORT, TERM, ((7, 15), (1, 15)), None, None),
    *FISCAL_ALL_LEVELS,
)

PRESCHOOL = (
    (M.STUDENT_INFO, T.IDENTIFY, TERM, ((4, 30), (10, 31)), None, None),
    *local_and_school(((6, 20), (12, 20))),
    (M.POVERTY, T.UNFUNDED_REPORT, TERM, ((7, 15), (1, 15)), None, None),
    *FISCAL_ALL_LEVELS,
)

ANNEXES = {
    Stage.GRADUATE: (1, higher_education("国家奖学金、学业奖学金")),
    Stage.UNDERGRADUATE: (2, higher_education("国家奖学金、国家励志奖学金")),
    Stage.VOCATIONAL: (3, VOCATIONAL),
    Stage.SENIOR: (4, SENIOR),
    Stage.PRIMARY: (5, COMPULSORY),
    Stage.JUNIOR: (5, COMPULSORY),
    Stage.PRESCHOOL: (6, PRESCHOOL),
}


def seed_rows() -> list[dict]:
    rows = []
    for stage, (_, lines) in ANNEXES.items():
        for module, task, cycle, school_dates, authority_dates, note in lines:
            by_party = (authority_dates if isinstance(authority_dates, dict)
                        else {DeadlineParty.AUTHORITY: authority_dates})
            for party, dates in ((DeadlineParty.SCHOOL, school_dates), *by_party.items()):
                if dates is not None:
                    rows += _rows(stage, module, task, cycle, party, dates, note)
    return rows


def _rows(stage, module, task, cycle, party, dates, note) -> list[dict]:
    common = {"stage": stage.value, "module": module.value, "task": task.value, "party": party.value, "note": note}
    if cycle == TERM:
        (spring_month, spring_day), (autumn_month, autumn_day) = dates
        return [{**common, "cycle": DeadlineCycle.SPRING.value, "month": spring_month, "day": spring_day},
                {**common, "cycle": DeadlineCycle.AUTUMN.value, "month": autumn_month, "day": autumn_day}]
    if cycle == MONTHLY:
        return [{**common, "cycle": cycle.value, "month": None, "day": dates}]
    return [{**common, "cycle": cycle.value, "month": dates[0], "day": dates[1]}]


def annex_of(stage: str) -> int | None:
    """The number of 003's annex a stage's lines come from (shown on the calendar page)."""
    found = ANNEXES.get(Stage(stage)) if stage in Stage._value2member_map_ else None
    return found[0] if found else None
