"""One rule for every refusal (portal/web.py): it keeps its real status, htmx or not, and the layout tells htmx to
swap such answers, so the browser shows the message (tests/e2e/test_refusals_shown.py watches it happen).
Also what every page loads: its icon, so that no request of a page answers 404."""
import io
import json
import re

from factories import page_text

HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
NOT_A_SPREADSHEET = b"%PDF-1.4 a scan, renamed"


def htmx_config(page) -> dict:
    content = re.search(r'<meta name="htmx-config" content="([^"]*)">', page.get_data(as_text=True)).group(1)
    return json.loads(content.replace("&#34;", '"').replace("&quot;", '"'))


def swaps(config: dict, status: int) -> bool:
    """What htmx 2 does with an answer: the first responseHandling rule whose code matches decides."""
    for rule in config["responseHandling"]:
        if re.search(rule["code"], str(status)):
            return rule["swap"]
    return False


def test_the_layout_tells_htmx_to_show_refusals_and_nothing_else(client, login_as):
    login_as("school")
    config = htmx_config(client.get("/"))
    assert all(swaps(config, status) for status in (200, 400, 404, 409, 413, 422))
    assert not any(swaps(config, status) for status in (204, 401, 403, 500, 502))


def test_a_refused_enrolment_file_keeps_its_status_for_htmx_too(client, login_as):
    login_as("school")
    data = {"file": (io.BytesIO(NOT_A_SPREADSHEET), "学籍.xlsx")}
    fragment = client.post("/enrolment/upload", data=data, content_type="multipart/form-data", headers=HTMX)
    assert fragment.status_code == 422 and "不是有效的 Excel 文件" in page_text(fragment)
    assert "<html" not in fragment.get_data(as_text=True)  # the fragment the upload form swaps in
    data = {"file": (io.BytesIO(NOT_A_SPREADSHEET), "学籍.xlsx")}
    page = client.post("/enrolment/upload", data=data, content_type="multipart/form-data")
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


def test_a_refused_boosted_form_keeps_the_address_of_the_form(client, login_as, world):
    login_as("province")
    refused = client.post(f"/org/schools/{world.xuanwu_school.id}/move", data={"region_code": "999999"},
                          headers=BOOSTED)
    assert refused.status_code == 422 and "区划代码不存在" in page_text(refused)
    assert refused.headers["HX-Push-Url"] == "false"  # a reload asks for the school page, not the POST's URL
    assert "HX-Push-Url" not in client.get(f"/org/schools/{world.xuanwu_school.id}", headers=BOOSTED).headers


def test_every_page_has_an_icon_that_loads(client, login_as):
    login_as("county")
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(icon).status_code == 200
    asked = client.get("/favicon.ico")  # what a browser asks for on its own
    assert asked.status_code == 200 and asked.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client.post("/logout")
    assert client.get("/favicon.ico").status_code == 200  # signed out as well
