"""Fixed demo people: names, grades and classes for generated students, and the demo school's own students
(with the base-library people among them), which seed/samples/ holds as enrolment files to try the upload."""
from functools import cache

from portal.idcard import check_digit
from portal.terms import Term
from portal.vocab import Category, Stage

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "子涵欣怡梓轩浩然一诺雨泽思远佳琪宇航梓萱俊杰雅婷博文诗涵嘉懿明轩若曦晨阳可馨昊天语桐皓宇"
AGES = {  # age at the start of the autumn term
    Stage.PRESCHOOL.value: (3, 5), Stage.PRIMARY.value: (6, 11), Stage.JUNIOR.value: (12, 14),
    Stage.SENIOR.value: (15, 17), Stage.VOCATIONAL.value: (15, 17), Stage.UNDERGRADUATE.value: (18, 21),
    Stage.GRADUATE.value: (22, 25),
}
GRADE_NAMES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")
STAGE_GRADES = {
    Stage.PRESCHOOL.value: ("小班", "中班", "大班"), Stage.PRIMARY.value: GRADE_NAMES,
    Stage.JUNIOR.value: ("初一", "初二", "初三"), Stage.SENIOR.value: ("高一", "高二", "高三"),
    Stage.VOCATIONAL.value: ("中职一年级", "中职二年级", "中职三年级"),
    Stage.UNDERGRADUATE.value: ("大一", "大二", "大三", "大四"), Stage.GRADUATE.value: ("研一", "研二", "研三", "研四"),
}
CLASSES_PER_GRADE = 3


def person_name(serial: int) -> str:
    surname = SURNAMES[serial % len(SURNAMES)]
    first = GIVEN[(serial // len(SURNAMES)) % len(GIVEN)]
    second = GIVEN[(serial * 7 + 3) % len(GIVEN)]
    return surname + first + (second if serial % 3 else "")


def stage_of(stages: str) -> str:
    """The stage a school's demo students are in (a nine-year school: its primary part)."""
    return stages.split(",")[0]


def class_of(stage: str, age: int, position: int) -> tuple[str, str]:
    grades = STAGE_GRADES[stage]
    grade = grades[min(age - AGES[stage][0], len(grades) - 1)]
    return grade, f"{grade}（{1 + position % CLASSES_PER_GRADE}）班"


def _id(region: str, born: str, serial: int) -> str:
    first17 = f"{region}{born}{serial:03d}"
    return first17 + check_digit(first17)


# The demo school's base-library people, taken from the base-library demo (a pure function, so the sample
# files find them in any demo database): the first of primary-school age in each of these category sets.
WANTED = ((Category.POVERTY,), (Category.POVERTY, Category.DIBAO), (Category.DIBAO,), (Category.DIBAO, Category.DISABLED),
          (Category.TEKUN,), (Category.ORPHAN,), (Category.DISABLED,), (Category.OUT_OF_PROVINCE,),
          (Category.POVERTY,), (Category.POVERTY,), (Category.DIBAO,), (Category.DISABLED,), (Category.POVERTY,))
PRIMARY_BIRTH_YEARS = range(2015, 2021)  # six to eleven years old in the autumn of 2026
NAME_CHANGES = 1  # how many of them the school's file spells differently (姓名不一致)
DEMO_SCHOOL_STUDENTS = 160


@cache
def demo_school_people() -> tuple:
    from seed.library_demo import demo_people

    wanted, chosen = list(WANTED), []
    for person in demo_people():
        if int(person.id_number[6:10]) in PRIMARY_BIRTH_YEARS and person.categories in wanted:
            wanted.remove(person.categories)
            chosen.append(person)
            if not wanted:
                return tuple(chosen)
    raise RuntimeError("the base-library demo has too few people of primary-school age")


def _respelt(name: str) -> str:
    return name[:-1] + ("晓" if name[-1] != "晓" else "小")


def demo_school_students(term: Term | None = None) -> list[dict]:
    """The demo school's enrolment, fixed: every 12th row is a base-library person, the rest generated."""
    people = [(person.id_number, person.name) for person in demo_school_people()]
    people[-NAME_CHANGES:] = [(number, _respelt(name)) for number, name in people[-NAME_CHANGES:]]
    students = []
    for position in range(DEMO_SCHOOL_STUDENTS):
        born_year = 2015 + position % 6
        if position % 12 == 5 and people:
            number, name = people.pop(0)
            born_year = int(number[6:10])
        else:
            number = _id("320102", f"{born_year}{1 + position % 12:02d}{1 + position % 28:02d}", 700 + position)
            name = person_name(50_000 + position)
        grade = GRADE_NAMES[min(5, max(0, 2020 - born_year))]
        students.append({"student_no": f"G{number}", "name": name, "gender": "男" if int(number[16]) % 2 else "女",
                         "id_number": number, "stage": Stage.PRIMARY.label, "grade": grade,
                         "class_name": f"{grade}（{1 + position % 3}）班", "entry_month": f"{2026 - (2020 - born_year)}-09",
                         "hukou_code": number[:6]})
    return students
