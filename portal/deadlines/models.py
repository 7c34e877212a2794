"""One row per stage, module, task, cycle and party (school or authority): the day that work is due."""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.vocab import DeadlineCycle, DeadlineModule, DeadlineParty, DeadlineTask, Stage


class Deadline(db.Model):
    """A term row names a month and day (an autumn date in January–July falls in the following year); a
    school-year row a month and day that come round every year; a monthly row only the day of the month
    (31 is the month's last day)."""

    __tablename__ = "deadline"
    __table_args__ = (UniqueConstraint("stage", "module", "task", "cycle", "party"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))  # Stage
    module: Mapped[str] = mapped_column(String(32))  # DeadlineModule
    task: Mapped[str] = mapped_column(String(32))  # DeadlineTask
    cycle: Mapped[str] = mapped_column(String(16))  # DeadlineCycle
    party: Mapped[str] = mapped_column(String(16))  # DeadlineParty
    month: Mapped[int | None] = mapped_column(Integer)  # None for a monthly row
    day: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by_name: Mapped[str | None] = mapped_column(String(64))

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)

    @property
    def module_label(self) -> str:
        return DeadlineModule.label_of(self.module)

    @property
    def task_label(self) -> str:
        return DeadlineTask.label_of(self.task)

    @property
    def cycle_label(self) -> str:
        return DeadlineCycle.label_of(self.cycle)

    @property
    def party_label(self) -> str:
        return DeadlineParty.label_of(self.party)

    @property
    def day_label(self) -> str:
        if self.month is None:
            return "每月最后一天" if self.day == 31 else f"每月{self.day}日"
        return f"{self.month}月{self.day}日"

    @property
    def title(self) -> str:
        """What the row is, in one line: 义教·困难生生活补助·资助名单审核（学校，秋季学期）."""
        return f"{self.stage_label}·{self.module_label}·{self.task_label}（{self.party_label}，{self.cycle_label}）"
