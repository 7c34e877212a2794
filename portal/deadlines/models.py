"""One row per stage, task and cycle (spring term, autumn term, every month): the day the work is due."""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.vocab import DeadlineCycle, DeadlineTask, Stage


class Deadline(db.Model):
    """A spring or autumn row names a month and day (an autumn date in January–July falls in the following
    year); a monthly row names only the day of the period's own month."""

    __tablename__ = "deadline"
    __table_args__ = (UniqueConstraint("stage", "task", "cycle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(16))  # Stage
    task: Mapped[str] = mapped_column(String(32))  # DeadlineTask
    cycle: Mapped[str] = mapped_column(String(16))  # DeadlineCycle
    month: Mapped[int | None] = mapped_column(Integer)  # None for a monthly row
    day: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by_name: Mapped[str | None] = mapped_column(String(64))

    @property
    def stage_label(self) -> str:
        return Stage.label_of(self.stage)

    @property
    def task_label(self) -> str:
        return DeadlineTask.label_of(self.task)

    @property
    def cycle_label(self) -> str:
        return DeadlineCycle.label_of(self.cycle)

    @property
    def day_label(self) -> str:
        return f"每月{self.day}日" if self.month is None else f"{self.month}月{self.day}日"
