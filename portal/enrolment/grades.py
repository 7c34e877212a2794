"""年级 as 学籍 exports write it, and the 学段 it belongs to: the stage of an enrolment row whose file has no
学段 (or leaves the cell blank) is read from its grade, within the stages the school is registered for."""
import unicodedata
from functools import cache

from portal.vocab import Stage

_NUMERALS = "一二三四五六七八九"
_ANY = (Stage.PRIMARY, Stage.VOCATIONAL, Stage.UNDERGRADUATE, Stage.GRADUATE)  # schools of these count 一年级 …

# "N年级" (also "N 年级" with Arabic digits): the stages whose schools number their grades so, most usual first.
_NUMBERED_GRADES: dict[int, tuple[Stage, ...]] = {
    1: _ANY, 2: _ANY, 3: _ANY,
    4: (Stage.PRIMARY, Stage.UNDERGRADUATE),
    5: (Stage.PRIMARY, Stage.UNDERGRADUATE),  # five-year medical degrees
    6: (Stage.PRIMARY,),
    7: (Stage.JUNIOR,), 8: (Stage.JUNIOR,), 9: (Stage.JUNIOR,),
}
# Short forms: 初一 … 高三, 大一 …, 研一 …, and the kindergarten's classes.
_SHORT_GRADES: dict[str, tuple[Stage, ...]] = {
    **{f"初{_NUMERALS[n]}": (Stage.JUNIOR,) for n in range(4)},  # 初四: the 五四制 junior school
    **{f"高{_NUMERALS[n]}": (Stage.SENIOR, Stage.VOCATIONAL) for n in range(3)},
    **{f"大{_NUMERALS[n]}": (Stage.UNDERGRADUATE,) for n in range(5)},
    **{f"{lead}{_NUMERALS[n]}": (Stage.GRADUATE,) for lead in ("研", "博") for n in range(4)},
    **{word: (Stage.PRESCHOOL,) for word in ("托班", "小班", "中班", "大班", "学前班")},
}
# A grade written with its stage in front ("小学三年级", "中职一年级", "幼儿园大班"): the stage word decides.
_STAGE_WORDS = sorted(((word, stage) for word, stage in Stage.by_label().items()), key=lambda pair: -len(pair[0]))


def _key(grade: str) -> str:
    return "".join(unicodedata.normalize("NFKC", grade).split())


@cache
def grade_stages(grade: str | None) -> tuple[Stage, ...]:
    """The stages a grade can belong to, most usual first; () when the grade says nothing about it ("2023级")."""
    if not grade:
        return ()
    key = _key(grade)
    for word, stage in _STAGE_WORDS:
        if key.startswith(word) and len(key) > len(word):
            return (stage,)
    if key in _SHORT_GRADES:
        return _SHORT_GRADES[key]
    if key.endswith("年级") and len(key) == 3:
        lead = key[0]
        number = _NUMERALS.index(lead) + 1 if lead in _NUMERALS else int(lead) if lead.isdigit() else 0
        return _NUMBERED_GRADES.get(number, ())
    return ()


class StageRule:
    """Decides a row's stage for one school: the file's 学段, else the grade's stage among the school's, else the
    school's only stage. A grade of a stage the school does not teach keeps that stage, so that the preview can
    say the file does not fit the school; a row it cannot decide is refused with the way to fix it."""

    def __init__(self, stages: str):
        self.stages = tuple(Stage.list_of(stages or ""))
        self._decided: dict[str | None, Stage | str] = {}

    def stage_of(self, grade: str | None) -> Stage | str:
        """The stage for a row without one; a str is the Chinese reason it cannot be decided."""
        if grade not in self._decided:
            self._decided[grade] = self._decide(grade)
        return self._decided[grade]

    def _decide(self, grade: str | None) -> Stage | str:
        candidates = grade_stages(grade)
        fitting = [stage for stage in candidates if stage in self.stages]
        if len(fitting) == 1:
            return fitting[0]
        if candidates and not fitting:
            return candidates[0]
        registered = "、".join(stage.label for stage in self.stages) or "（未登记）"
        if fitting:
            either = "或".join(stage.label for stage in fitting)
            return (f"无法确定学段：年级“{grade}”在本校可能是{either}，"
                    f"请在文件中增加“学段”列并填写（如“{fitting[0].label}”）")
        if len(self.stages) == 1:
            return self.stages[0]
        told = f"年级“{grade}”无法识别" if grade else "年级为空"
        return (f"无法确定学段：{told}，本校登记的学段为{registered}。请在文件中增加“学段”列并填写，"
                f"或把年级写成“三年级”“七年级”“高一”这样的形式")

    def fits(self, stage: Stage | None, grade: str | None) -> tuple[bool, bool]:
        """(the stage is one the school teaches, the grade can belong to one of them): what the preview warns of."""
        candidates = grade_stages(grade)
        return (stage is None or stage in self.stages,
                not candidates or any(candidate in self.stages for candidate in candidates))
