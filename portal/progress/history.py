"""The term's progress over time: once a day the rolled-up figures of the current term are kept per region (the
province, each city, each county) in ProgressSnapshot. Taken by `flask refresh-progress` (cron) and by the first
refresh of a day (portal.progress.services.refresh_touched), so a day with any write has its point even without
cron. One grouped query over the progress rows, then at most one row per region."""
from collections import defaultdict
from datetime import date

from sqlalchemy import delete, exists, insert, select

from portal.deadlines import services as deadlines
from portal.extensions import db
from portal.org.models import Region, School
from portal.progress.models import ProgressSnapshot
from portal.terms import Term, current_term
from portal.vocab import RegionLevel

SNAPSHOT_FIGURES = ("schools", "uploaded", "hardship", "verified", "funded", "unaided", "submitted")


def snapshot_if_due(day: date | None = None) -> bool:
    """Take the day's snapshot of the current term unless it was taken already."""
    day = day or deadlines.today()
    term = current_term(day)
    if db.session.scalar(select(exists().where(ProgressSnapshot.day == day, ProgressSnapshot.term == term.code))):
        return False
    take_snapshot(term, day)
    return True


def take_snapshot(term: Term, day: date | None = None) -> int:
    """(Re)write the day's rows for the term; returns how many regions were written."""
    from portal.oversight.figures import Everywhere, TermReading  # oversight reads progress: imported when used
    from portal.vocab import SubmissionStatus

    day = day or deadlines.today()
    reading = TermReading(Everywhere(), term, day)
    query = (reading.select(School.city_code, School.county_code, *reading.figure_columns())
             .group_by(School.city_code, School.county_code))
    totals: dict[str, dict] = defaultdict(lambda: dict.fromkeys(SNAPSHOT_FIGURES, 0))
    province = db.session.scalar(select(Region.code).where(Region.level == RegionLevel.PROVINCE.value))
    for row in db.session.execute(query).mappings():
        figures = {
            "schools": row["schools"], "uploaded": row["uploaded"], "hardship": row["hardship"],
            "verified": row["verified"], "funded": row["funded"], "unaided": row["unfunded_without_reason"],
            "submitted": row[f"status_{SubmissionStatus.SUBMITTED.value}"]
            + row[f"status_{SubmissionStatus.APPROVED.value}"],
        }
        for code in {province, row["city_code"], row["county_code"]} - {None}:
            for key, value in figures.items():
                totals[code][key] += int(value or 0)
    if province and province not in totals:
        totals[province]  # a province with no school yet still has its (zero) point
    db.session.execute(delete(ProgressSnapshot).where(ProgressSnapshot.day == day, ProgressSnapshot.term == term.code))
    if totals:
        db.session.execute(insert(ProgressSnapshot), [
            {"day": day, "term": term.code, "region_code": code, **figures} for code, figures in totals.items()])
    return len(totals)


def series(region_code: str, term: Term) -> list[ProgressSnapshot]:
    """The region's snapshots of the term, oldest first."""
    return list(db.session.scalars(select(ProgressSnapshot).where(
        ProgressSnapshot.region_code == region_code, ProgressSnapshot.term == term.code).order_by(ProgressSnapshot.day)))
