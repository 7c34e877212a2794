"""The period selector of the reasons page lists a 中职 school's months in date order, newest first (as the
funding pages do): three terms of months used to come term by term, each term's months oldest first."""
import re
from datetime import date

from portal.terms import parse_period


def offered_periods(response) -> list[str]:
    select = response.get_data(as_text=True).split('name="period"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]+)"', select)


def test_a_vocational_school_picks_its_month_from_a_list_in_date_order(client, login_as, world, deadline_calendar,
                                                                       today_is):
    today_is(date(2026, 11, 22))
    login_as("school", school=world.nanjing_city_school)  # 中职 only: reports per month
    offered = offered_periods(client.get("/reasons/"))
    starts = [parse_period(code).starts for code in offered]
    assert len(offered) > 10 and starts == sorted(starts, reverse=True)
    assert "2026-11" in offered and "2026-07" in offered and "2026-08" not in offered  # no August report
