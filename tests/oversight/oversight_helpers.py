"""Progress rows written by hand for the oversight tests: the roll-up reads SchoolProgress only, so a test states
each school's figures and checks the sums against figures worked out by hand."""
from datetime import datetime

from portal.extensions import db
from portal.progress.models import SchoolProgress
from portal.terms import current_term

ZERO = {name: 0 for name in ("students", "hardship", "poverty", "dibao", "tekun", "orphan", "disabled", "out_of_province",
                             "manual_added", "manual_pending", "verified", "graded", "duplicates", "other_province_hukou",
                             "name_mismatches", "unfunded_with_reason", "unfunded_without_reason", "funded", "unfunded",
                             "funded_records", "incomplete_records", "funded_amount", "national_amount")}


def progress_row(school, uploaded: bool = True, status: str | None = "not_started", period: str | None = None,
                 term: str | None = None, **figures) -> SchoolProgress:
    term = term or current_term().code
    row = SchoolProgress(school_id=school.id, term=term, city_code=school.city_code, county_code=school.county_code,
                         school_active=school.active, uploaded_at=datetime(2026, 9, 20) if uploaded else None,
                         reasons_status=status, reasons_period=period or term, **{**ZERO, **figures})
    db.session.add(row)
    db.session.flush()
    return row
