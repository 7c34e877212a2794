"""Terms: 2026秋 runs September to January, 2027春 February to July; 中职 also works by month; the current term
follows from today's date, and earlier terms stay readable."""
from datetime import date

import pytest

from enrolment_helpers import student_row, xlsx_file
from factories import page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.extensions import db
from portal.terms import Term, TermError, current_term, parse_period, parse_term, periods_of, recent_terms


@pytest.mark.parametrize("day, label", [
    (date(2026, 9, 1), "2026秋"), (date(2026, 12, 31), "2026秋"), (date(2027, 1, 31), "2026秋"),
    (date(2027, 2, 1), "2027春"), (date(2027, 7, 31), "2027春"),
    (date(2027, 8, 15), "2027秋"),  # August prepares the coming autumn term
])
def test_the_current_term_follows_from_the_date(day, label):
    assert current_term(day).label == label


def test_terms_read_as_labels_or_codes_and_run_in_order():
    autumn = Term(2026, "autumn")
    assert autumn.code == "2026-autumn" and (autumn.starts, autumn.ends) == (date(2026, 9, 1), date(2027, 1, 31))
    for text in ("2026秋", "2026年秋季学期", " 2026 秋 ", "2026-autumn"):
        assert parse_term(text) == autumn, text
    assert autumn.following() == parse_term("2027春") and parse_term("2027春").previous() == autumn
    with pytest.raises(TermError, match="应写作 2026秋 或 2027春"):
        parse_term("2026夏")
    assert [term.label for term in recent_terms(date(2027, 3, 1))] == ["2027春", "2026秋", "2026春", "2025秋"]


def test_vocational_months_leave_out_february_and_august():
    assert Term(2026, "autumn").months() == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    assert Term(2027, "spring").months() == ["2027-03", "2027-04", "2027-05", "2027-06", "2027-07"]
    october = parse_period("2026年10月")
    assert (october.code, october.label, october.term.label) == ("2026-10", "2026年10月", "2026秋")
    assert (october.starts, october.ends) == (date(2026, 10, 1), date(2026, 10, 31))
    with pytest.raises(TermError, match="2月、8月除外"):
        parse_period("2027-02")
    assert [period.label for period in periods_of(Term(2026, "autumn"), monthly=False)] == ["2026秋"]


def test_pages_open_on_the_current_term_and_offer_earlier_ones(client, login_as, world):
    upload.import_file(Actor.command_line(), xlsx_file([student_row(1)]), "学籍.xlsx", current_term(),
                       world.xuanwu_school)
    db.session.commit()
    login_as("school")
    page = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library")
    selector = page.get_data(as_text=True)
    for term in recent_terms():
        assert f'value="{term.code}"' in selector
    assert f"{current_term().label}" in page_text(page) and "学期已结束" not in page_text(page)
    earlier = current_term().previous()
    old = page_text(client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library?term={earlier.label}"))
    assert f"{earlier.label}学期已结束，数据只读" in old and f"{earlier.label}尚未上传学籍" in old
