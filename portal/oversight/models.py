"""An issued 通报 (circular): a snapshot of the figures it ranked, stored whole so that later uploads, funding
and reasons never change what was issued."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import Region


class Circular(db.Model):
    __tablename__ = "circular"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # the issuing region
    number: Mapped[int] = mapped_column(Integer)  # 第N期 of this region's circulars
    title: Mapped[str] = mapped_column(String(200))
    term: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[date] = mapped_column(Date)  # 截至: the date overdue is judged against
    summary: Mapped[str] = mapped_column(Text)  # generated, edited by the issuer before issuing
    figures: Mapped[dict] = mapped_column(JSON)  # the ranking, the totals and the laggard schools (circulars.py)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_by_name: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime)

    region: Mapped[Region] = relationship()
