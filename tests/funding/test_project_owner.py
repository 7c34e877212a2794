"""The catalogue names who set a project up (设立单位) as users know it: 江苏省, 南京市, the school; never a code."""
import re

from factories import make_funding_project
from portal.extensions import db


def owners(response) -> list[str]:
    """The 设立单位 column, row by row: the sixth cell of each row of the project table."""
    rows = re.findall(r"<tr>(.*?)</tr>", response.get_data(as_text=True).split("<tbody>")[1], re.S)
    return [re.sub(r"<[^>]+>|\s", "", re.findall(r"<td>(.*?)</td>", row, re.S)[5]) for row in rows]


def test_the_founding_unit_is_shown_by_name(client, login_as, world):
    make_funding_project("国家助学金", "primary", owner_region=world.province)
    make_funding_project("南京市交通补助", "primary", level="local", owner_region=world.nanjing)
    make_funding_project("爱心助学金", "primary", level="social", owner_school=world.xuanwu_school)
    db.session.commit()
    login_as("school")
    listed = client.get("/funding/projects", headers={"HX-Request": "true"})
    assert sorted(owners(listed)) == sorted(["江苏省", "南京市", "玄武区第一小学"])
    assert "320000" not in listed.get_data(as_text=True)
