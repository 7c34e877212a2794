"""Every form that sends a file says how far the upload has got and that the server is working, and holds its
buttons meanwhile (portal/static/js/upload-progress.js, loaded on every page); a million-row library file
takes the server half a minute."""
import re

import pytest

UPLOAD_PAGES = [
    ("province", "/library/import/poverty"),
    ("province", "/org/import/schools"),
    ("province", "/funding/fiscal"),
    ("school", "/enrolment/upload"),
    ("school", "/funding/schools/{school}/import?period=2026-autumn"),
]


@pytest.mark.parametrize("role, path", UPLOAD_PAGES)
def test_each_file_upload_shows_its_progress_and_that_the_server_is_working(client, login_as, world, role, path):
    login_as(role)
    page = client.get(path.format(school=world.xuanwu_school.id)).get_data(as_text=True)
    assert "js/upload-progress.js" in page
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
    uploads = [form for form in forms if 'type="file"' in form]
    assert uploads
    for form in uploads:
        assert "data-upload-progress" in form.split(">")[0]
        assert "<progress" in form and 'class="busy muted" role="status" hidden>处理中…' in form
