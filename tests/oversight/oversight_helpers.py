"""Progress rows written by hand for the oversight tests: the roll-up reads the progress rows only, so a test states
each school's figures and checks the sums against figures worked out by hand. The unfunded figures go into the
reasons row of the period the school reports (the term, or a 中职 school's month being reported), the status into
its PeriodSubmission, as the app's own writes would leave them. row_text reads a row of the tables back, todo_counts
a home's to-do cards."""
import re
from datetime import datetime

from portal.deadlines import periods
from portal.extensions import db
from portal.progress.models import ReasonsProgress, SchoolProgress
from portal.review.models import PeriodSubmission
from portal.terms import current_term, parse_term

ZERO = {name: 0 for name in ("students", "hardship", "poverty", "dibao", "tekun", "orphan", "disabled", "out_of_province",
                             "manual_pending", "verified", "without_hardship_level", "duplicates", "funded", "unfunded",
                             "funded_records", "incomplete_records", "funded_amount", "national_amount")}


def progress_row(school, uploaded: bool = True, status: str | None = "not_started", period: str | None = None,
                 term: str | None = None, graded: int | None = None, unfunded_with_reason: int = 0,
                 unfunded_without_reason: int = 0, **figures) -> SchoolProgress:
    """graded: the students with a 困难等级 (stored as hardship minus those still without one)."""
    term = term or current_term().code
    if period is None:
        monthly = school.stages == periods.VOCATIONAL
        period = periods.reporting_month(parse_term(term)).code if monthly else term
    values = {**ZERO, **figures}
    if "without_hardship_level" not in figures:
        values["without_hardship_level"] = values["hardship"] - (graded or 0)
    row = SchoolProgress(school_id=school.id, term=term, city_code=school.city_code, county_code=school.county_code,
                         school_active=school.active, uploaded_at=datetime(2026, 9, 20) if uploaded else None, **values)
    db.session.add(row)
    if unfunded_with_reason or unfunded_without_reason:
        db.session.add(ReasonsProgress(school_id=school.id, term=term, period=period,
                                       unfunded_with_reason=unfunded_with_reason,
                                       unfunded_without_reason=unfunded_without_reason))
    if status is not None:
        submission(school, period, status)
    db.session.flush()
    return row


def submission(school, period: str, status: str) -> PeriodSubmission:
    found = PeriodSubmission(school_id=school.id, kind="reasons", period=period, city_code=school.city_code,
                             county_code=school.county_code, status=status)
    db.session.add(found)
    return found


def row_text(response, name: str) -> str:
    """The visible text of the table row whose first cell names `name`."""
    row = re.search(r"<tr>\s*<th scope=\"row\">(?:(?!</tr>).)*?" + re.escape(name) + r".*?</tr>", response.text, re.S)
    assert row, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def todo_counts(response) -> dict[str, tuple[str, str]]:
    """A home's to-do cards: label → (count, link)."""
    cards = re.findall(r'<a href="([^"]+)" class="[^"]*">\s*<strong>([\d,]+)<small> 所</small></strong><span>([^<]+)</span>',
                       response.text)
    return {label: (count, href.replace("&amp;", "&")) for href, count, label in cards}
