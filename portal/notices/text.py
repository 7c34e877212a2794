"""The notice text the province edits: placeholders in braces ({学生}), checked by name before the text is
saved; paragraphs split on blank lines. Filled in as plain text: HTML pages escape it, the PDF draws it."""
import re

from portal.notices.errors import NoticeError

PLACEHOLDERS = {
    "学校": "学校名称",
    "学生": "学生姓名",
    "班级": "班级",
    "年级": "年级",
    "学段": "学段（小学、初中……）",
    "学期": "学期（2026年秋季学期）",
    "困难情况": "比对发现的家庭情况（最低生活保障家庭……）",
    "申请截止日期": "申请截止日期",
    "联系方式": "学校资助办联系方式",
    "资助项目": "本学段资助项目表和本期已享受资助（单独成段时放在该处，否则放在正文之后）",
}
POLICY_MARK = "\x00资助项目\x00"
PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
MAX_TITLE, MAX_BODY, MAX_PARAGRAPH = 40, 2000, 400

DEFAULT_TITLE = "学生资助政策告知书"
DEFAULT_BODY = """尊敬的{学生}同学家长：

您好！根据《江苏省教育厅关于进一步做好特殊困难学生精准资助工作的通知》，经与民政、乡村振兴、残联等部门信息比对，您的家庭属于{困难情况}，{学生}同学无需再提供相应证明材料，可按规定申请下列资助项目。

{资助项目}

请于{申请截止日期}前，由学生本人或家长向班主任或学校资助办提出申请，填写《家庭经济困难学生认定申请表》；学校认定后按标准发放资助资金。资助资金不收取任何费用，请谨防诈骗。

如有疑问，请联系学校资助办：{联系方式}。"""


def check(text: str, what: str = "模板") -> None:
    """Refuse a placeholder that does not exist, naming it (and a stray brace)."""
    unknown = [name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    if unknown:
        names = "、".join(f"{{{name}}}" for name in dict.fromkeys(unknown))
        raise NoticeError(f"{what}中有不存在的占位符：{names}。可用的占位符：{'、'.join('{' + n + '}' for n in PLACEHOLDERS)}")
    stray = PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise NoticeError(f"{what}中有不成对的花括号“{{”或“}}”，占位符应写作 {{学生}} 这样")


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def paragraphs(text: str) -> list[str]:
    return ["".join(line.strip() for line in part.splitlines())
            for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()]


def blocks(text_filled: str) -> list[str]:
    """Paragraphs with POLICY_MARK standing alone where the policy table goes (after the text if nowhere)."""
    found = [part if part == POLICY_MARK else part.replace(POLICY_MARK, "下表所列资助项目")
             for part in paragraphs(text_filled)]
    return found if POLICY_MARK in found else [*found, POLICY_MARK]
