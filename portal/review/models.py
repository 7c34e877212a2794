"""One row per school, kind and period: where that piece of work stands in submit → review."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import School
from portal.vocab import SubmissionKind, SubmissionStatus


class PeriodSubmission(db.Model):
    __tablename__ = "period_submission"
    __table_args__ = (UniqueConstraint("school_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # SubmissionKind
    period: Mapped[str] = mapped_column(String(16), index=True)  # Period.code
    # copied from the school so that county and city review lists filter without a join
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.NOT_STARTED.value)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reopened_until: Mapped[datetime | None] = mapped_column(DateTime)  # after the deadline, by the county
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by every change: concurrent edits are told

    school: Mapped[School] = relationship()

    @property
    def kind_label(self) -> str:
        return SubmissionKind.label_of(self.kind)

    @property
    def status_label(self) -> str:
        return SubmissionStatus.label_of(self.status)
