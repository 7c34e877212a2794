"""The standard list of unfunded reasons the province maintains (code, label, whether a note is required)."""
from datetime import datetime

from sqlalchemy import func, insert, select

from portal.audit.services import Actor, Target, record
from portal.errors import DomainError
from portal.extensions import db
from portal.reasons.models import ReasonOption
from portal.vocab import AuditAction

# The list the province starts from; it may rename, retire, reorder and add reasons afterwards.
SEED_OPTIONS = (
    ("not_in_school", "学生不在校（毕业、转学、休学、退学）", False),
    ("other_aid", "已享受其他同类资助", False),
    ("improved", "家庭经济状况好转，经认定不需资助", False),
    ("declined", "学生或家长自愿放弃（已签字确认）", False),
    ("id_error", "身份信息有误，待核实", False),
    ("next_batch", "已列入下批资助名单（补发）", False),
    ("other", "其他（须填写说明）", True),
)


# Reasons never offered for a 建档立卡 student: such families keep their aid after leaving poverty (002: 摘帽后
# “四不摘”; 000: 已脱贫 students are those who 虽已脱贫但继续享受学生资助政策).
NOT_FOR_REGISTERED_POOR = frozenset({"improved"})


class OptionError(DomainError, ValueError):
    """A refused change to the list, with a Chinese message."""


def seed_options(actor: Actor) -> int:
    """Insert the standard reasons that are missing (by code); the province's edits are kept."""
    present = set(db.session.scalars(select(ReasonOption.code)))
    missing = [
        {"code": code, "label": label, "needs_note": needs_note, "active": True, "position": (n + 1) * 10}
        for n, (code, label, needs_note) in enumerate(SEED_OPTIONS) if code not in present
    ]
    if missing:
        db.session.execute(insert(ReasonOption), missing)
        record(actor, AuditAction.EDIT_REASON_LIST, Target("reason_option", None, "未资助原因选项"),
               f"初始化 {len(missing)} 项")
    return len(missing)


def all_options() -> list[ReasonOption]:
    return list(db.session.scalars(select(ReasonOption).order_by(ReasonOption.position, ReasonOption.id)))


def active_options() -> list[ReasonOption]:
    return [option for option in all_options() if option.active]


def labels() -> dict[str, str]:
    """code → label of every reason, retired ones included (old rows still name them)."""
    return {option.code: option.label for option in all_options()}


def active_option(code: str) -> ReasonOption | None:
    return db.session.scalar(select(ReasonOption).where(ReasonOption.code == code, ReasonOption.active.is_(True)))


def _clean(label: str, position) -> tuple[str, int]:
    label = (label or "").strip()
    if not label:
        raise OptionError("请填写原因名称")
    if len(label) > 64:
        raise OptionError("原因名称不超过 64 个字")
    try:
        position = int(str(position).strip())
    except (TypeError, ValueError):
        raise OptionError("排序请填写整数") from None
    if not -10_000 <= position <= 10_000:
        raise OptionError("排序请填写 -10000 到 10000 之间的整数")
    return label, position


def add_option(actor: Actor, code: str, label: str, needs_note: bool, position) -> ReasonOption:
    code = (code or "").strip().lower()
    if not code or len(code) > 32 or not code.replace("_", "").isalnum() or not code.isascii():
        raise OptionError("代码请用英文字母、数字或下划线，不超过 32 位")
    if db.session.scalar(select(func.count()).where(ReasonOption.code == code)):
        raise OptionError(f"代码 {code} 已存在")
    label, position = _clean(label, position)
    option = ReasonOption(code=code, label=label, needs_note=needs_note, active=True, position=position,
                          updated_at=datetime.now())
    db.session.add(option)
    db.session.flush()
    record(actor, AuditAction.EDIT_REASON_LIST, Target("reason_option", code, label),
           f"新增：{label}{'（须填写说明）' if needs_note else ''}")
    return option


def update_option(actor: Actor, option: ReasonOption, label: str, needs_note: bool, active: bool,
                  position) -> ReasonOption:
    label, position = _clean(label, position)
    before = f"{option.label}/{'须说明' if option.needs_note else '无需说明'}/{'启用' if option.active else '停用'}"
    option.label, option.needs_note, option.active, option.position = label, needs_note, active, position
    option.updated_at = datetime.now()
    after = f"{label}/{'须说明' if needs_note else '无需说明'}/{'启用' if active else '停用'}"
    record(actor, AuditAction.EDIT_REASON_LIST, Target("reason_option", option.code, label), f"{before} → {after}")
    return option
