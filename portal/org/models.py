"""The registry: administrative regions (province → city → county) and the schools that hang from them."""
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, DateTime, ForeignKey, Integer, String, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.vocab import Ownership, RegionLevel, Stage


def in_region(level: str, code: str, city_column, county_column) -> ColumnElement[bool]:
    """Rows of a table keeping city and county codes that lie in the region of this level and code or below
    it: every row for the province."""
    if level == RegionLevel.CITY.value:
        return city_column == code
    if level == RegionLevel.COUNTY.value:
        return county_column == code
    return true()


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # GB/T 2260
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # RegionLevel
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    parent: Mapped["Region | None"] = relationship(remote_side=[code])

    @property
    def level_label(self) -> str:
        return RegionLevel.label_of(self.level)

    def holds(self, city_column, county_column) -> ColumnElement[bool]:
        """Rows of a table keeping city and county codes (School's own, a summary's copies of its schools', a
        recording region's) that lie in this region or below it."""
        return in_region(self.level, self.code, city_column, county_column)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class School(db.Model):
    """A school hangs from a region of any level; city_code and county_code are kept
    denormalised so that scope is one indexed comparison, not a walk up the tree."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)  # 学校标识码
    name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), index=True)
    stages: Mapped[str] = mapped_column(String(128))  # Stage codes joined by ","
    ownership: Mapped[str] = mapped_column(String(16), default=Ownership.PUBLIC.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    region: Mapped[Region] = relationship()

    @property
    def stage_list(self) -> list[Stage]:
        return Stage.list_of(self.stages)

    @property
    def stage_labels(self) -> str:
        return Stage.labels_of(self.stages)

    @property
    def ownership_label(self) -> str:
        return Ownership.label_of(self.ownership)

    def __repr__(self) -> str:
        return f"<School {self.code} {self.name}>"
