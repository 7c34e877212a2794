"""The oversight vocabularies: what a school may be flagged for (each a to-do count and a list filter), and the
drill-down table's columns (the same keys sort the table and head the xlsx)."""
from dataclasses import dataclass

from portal.progress.models import CATEGORY_FIGURES
from portal.vocab import SubmissionStatus, Vocab


class SchoolFlag(Vocab):
    """Something a school's authority should chase this term; the unfunded report is 未资助情况上报."""

    NOT_UPLOADED = "not_uploaded", "未上传学籍"
    NOT_SUBMITTED = "not_submitted", "未资助情况未提交"
    RETURNED = "returned", "被退回待重报"
    OVERDUE = "overdue", "逾期未提交"
    UNAIDED = "unaided", "有应助未助学生"
    MANUAL_PENDING = "manual_pending", "新增学生待审核"
    DUPLICATES = "duplicates", "有学籍重复学生"
    UPLOADED = "uploaded", "已上传学籍"
    # the data-quality page's (003: 3个100%、3个零误差)
    NO_ACCOUNT = "no_account", "无有效学校账号"
    UNVERIFIED = "unverified", "有未核实学生"
    UNGRADED = "ungraded", "有未认定困难等级学生"
    INCOMPLETE_RECORDS = "incomplete_records", "资助信息不完整"


QUALITY_FLAGS = (SchoolFlag.NO_ACCOUNT, SchoolFlag.UNVERIFIED, SchoolFlag.UNGRADED, SchoolFlag.INCOMPLETE_RECORDS)
# the flags every drill-down and home counts schools for (the quality page counts its own)
ROLLED_UP_FLAGS = tuple(flag for flag in SchoolFlag if flag not in QUALITY_FLAGS)
TODO_FLAGS = tuple(flag for flag in ROLLED_UP_FLAGS if flag is not SchoolFlag.UPLOADED)


@dataclass(frozen=True)
class Column:
    key: str  # a figure of oversight.figures, or a rate
    label: str  # the table's header, under its group's
    title: str  # the xlsx header, which has no groups

    @property
    def header(self) -> str:
        """The label with a zero-width space after its first two characters: the narrow columns (the table
        must fit 1366 px) break 建档立卡 as 建档 / 立卡, never one character a line (the CSS keeps words whole)."""
        return self.label if len(self.label) <= 3 else self.label[:2] + "\u200b" + self.label[2:]


def _status_column(status: SubmissionStatus) -> Column:
    return Column(f"status_{status.value}", status.label, f"未资助情况{status.label}（所）")


COLUMN_GROUPS: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("学籍上传", (Column("schools", "应上传", "应上传学校（所）"), Column("uploaded", "已上传", "已上传学校（所）"),
              Column("upload_rate", "上传率", "上传率（%）"))),
    ("学生", (Column("students", "在校生", "在校生"), Column("hardship", "困难学生", "特殊困难学生"))),
    ("困难类别", tuple(Column(column, category.label, category.label) for column, category in CATEGORY_FIGURES.items())),
    ("核实", (Column("verified", "已核实", "已核实"), Column("graded", "认定等级", "已认定困难等级"),
            Column("notified", "已告知", "已告知家长（资助政策告知书）"))),
    ("资助", (Column("funded", "已资助", "已资助"), Column("funded_rate", "资助率", "资助率（%）"),
            Column("unfunded_with_reason", "未助有原因", "未资助（有原因）"),
            Column("unfunded_without_reason", "应助未助", "应助未助（未资助且无原因）"))),
    ("未资助情况上报（所）", (*(_status_column(status) for status in SubmissionStatus),
                     Column("schools_overdue", "逾期", "逾期未提交（所）"))),
)
COLUMNS = tuple(column for _, columns in COLUMN_GROUPS for column in columns)
RATES = {"upload_rate": ("uploaded", "schools"), "funded_rate": ("funded", "hardship")}  # key → (part, whole)


class PersonList(Vocab):
    """The lists of people an upper tier looks through (名单查询), one tab each. The first and third are base-library
    people by 户籍地; the others are library students of the region's schools."""

    LOCAL_ELSEWHERE = "local_elsewhere", "本地户籍外地就读"
    OTHER_PROVINCE = "other_province", "外省户籍在本地就读"
    DROPOUT = "dropout", "疑似失学辍学"
    DUPLICATE = "duplicate", "学籍重复"
    UNAIDED = "unaided", "应助未助"
    UNGRADED = "ungraded", "困难等级未认定"
    NAME_MISMATCH = "name_mismatch", "姓名不一致"
