"""The registry's region tree (/org/tree): full page for a browser, one branch as a fragment for htmx. (The home
page is oversight's to-do now: tests/oversight/test_home.py.)"""
import re

from factories import page_text


def test_branch_is_a_fragment_for_htmx_and_a_page_otherwise(client, login_as, world):
    login_as("city")
    fragment = client.get(f"/org/tree/{world.xuanwu.code}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert "玄武区第一小学" in body and "玄武区第二小学" in body
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"/org/tree/{world.xuanwu.code}")
    assert "<html" in page.get_data(as_text=True) and "南京市" in page_text(page)


def test_boosted_navigation_gets_the_full_page(client, login_as, world):
    login_as("city")
    response = client.get(f"/org/tree/{world.xuanwu.code}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)


def breadcrumb_links(response) -> list[str]:
    trail = response.get_data(as_text=True).split('<nav class="breadcrumb"')[1].split("</nav>")[0]
    return re.findall(r'<a href="/org/regions/(\d+)">', trail)


def test_the_breadcrumb_links_only_to_pages_the_user_may_open(client, login_as, world):
    login_as("city")
    county = client.get(f"/org/regions/{world.xuanwu.code}")
    assert "江苏省 › 南京市 › 玄武区" in page_text(county)  # the whole way is named
    assert breadcrumb_links(county) == [world.nanjing.code]  # the province's page would answer 页面不存在
    assert all(client.get(f"/org/regions/{code}").status_code == 200 for code in breadcrumb_links(county))
    client.post("/logout")
    login_as("county")
    assert breadcrumb_links(client.get(f"/org/regions/{world.xuanwu.code}")) == []
    client.post("/logout")
    login_as("province")
    assert breadcrumb_links(client.get(f"/org/regions/{world.xuanwu.code}")) == [world.province.code, world.nanjing.code]
