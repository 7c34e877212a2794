"""Files held between preview and confirmation (issue 14 point 6): sealed with the data key in files only the
portal's user can read, removed at confirmation, swept after an hour — on every upload, at start and by
`flask --app wsgi sweep-uploads` — and never readable by another user."""
import io
import os
import shutil
import stat
import time

import pytest

from factories import make_id_number, page_text
from portal import create_app, uploads

ID_NUMBER = make_id_number(serial=7)


@pytest.fixture(autouse=True)
def no_uploads_yet(app):
    """The instance folder is shared by the tests of a backend: start each with no staged file."""
    shutil.rmtree(os.path.join(app.instance_path, "uploads"), ignore_errors=True)


def staged_files(app) -> list[str]:
    root = os.path.join(app.instance_path, "uploads")
    return sorted(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names)


def refused_enrolment() -> bytes:
    """A 学籍 file with one good row and one refused row: the preview keeps it for the refused-rows download."""
    return ("学籍号,姓名,性别,身份证件号,学段,年级,班级,入学年月\n"
            f",张小明,男,{ID_NUMBER},小学,三年级,三年级（1）班,2024-09\n"
            ",李小红,女,320102201509011234,小学,三年级,三年级（1）班,2024-09\n").encode("utf-8")


def upload_refused_file(client) -> str:
    response = client.post("/enrolment/upload", data={"file": (io.BytesIO(refused_enrolment()), "学籍.csv")},
                           content_type="multipart/form-data")
    assert "错误" in page_text(response) or "不正确" in page_text(response), page_text(response)[:500]
    return response.get_data(as_text=True)


def test_a_staged_file_is_sealed_and_readable_by_the_portal_alone(app, client, login_as):
    login_as("school")
    upload_refused_file(client)
    [path] = staged_files(app)
    content = open(path, "rb").read()
    assert ID_NUMBER.encode() not in content and "张小明".encode() not in content and "学籍".encode() not in content
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.dirname(os.path.dirname(path))).st_mode) == 0o700


def test_the_refused_rows_download_still_reads_the_sealed_file(app, client, login_as):
    login_as("school")
    page = upload_refused_file(client)
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post("/enrolment/upload/refused", data={"token": token})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")


def test_another_user_cannot_use_the_token(app, client, login_as, world):
    login_as("school")
    page = upload_refused_file(client)
    token = page.split('name="token" value="')[1].split('"')[0]
    client.post("/logout")
    login_as("school", school=world.xuanwu_school_2)
    response = client.post("/enrolment/upload/refused", data={"token": token})
    assert response.status_code == 422 and "上传的文件已失效" in page_text(response)


def test_a_file_older_than_an_hour_is_swept_on_the_next_upload_by_anyone(app, client, login_as, world):
    login_as("school")
    upload_refused_file(client)
    [old] = staged_files(app)
    an_hour_ago = time.time() - 3601
    os.utime(old, (an_hour_ago, an_hour_ago))
    client.post("/logout")
    login_as("school", school=world.xuanwu_school_2)  # another user's upload sweeps it
    upload_refused_file(client)
    assert old not in staged_files(app) and len(staged_files(app)) == 1


def test_a_swept_file_answers_in_chinese(app, client, login_as):
    login_as("school")
    page = upload_refused_file(client)
    token = page.split('name="token" value="')[1].split('"')[0]
    assert uploads.sweep(app.instance_path, now=time.time() + 3601) == 1
    response = client.post("/enrolment/upload/refused", data={"token": token})
    assert response.status_code == 422 and "上传的文件已失效（超过一小时或已处理），请重新上传" in page_text(response)


def test_the_sweep_command_and_the_start_remove_old_and_unsealed_files(app, client, login_as):
    login_as("school")
    upload_refused_file(client)
    [sealed] = staged_files(app)
    leftover = os.path.join(os.path.dirname(sealed), "0123456789abcdef0123456789abcdef.csv")  # an older portal's
    with open(leftover, "w") as handle:
        handle.write(ID_NUMBER)
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert result.exit_code == 0 and "已删除 1 个过期的上传文件" in result.output
    assert staged_files(app) == [sealed]  # a fresh upload stays for its hour

    an_hour_ago = time.time() - 3601
    os.utime(sealed, (an_hour_ago, an_hour_ago))
    create_app(dict(app.config), instance_path=app.instance_path)  # another process starting
    assert staged_files(app) == []


def test_a_file_is_removed_at_confirmation(app, client, login_as):
    login_as("province")
    content = "区划代码,名称\n320102,玄武区\n".encode("utf-8")
    page = client.post("/org/import/regions", data={"file": (io.BytesIO(content), "区划.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert len(staged_files(app)) == 1
    token = page.split('name="token" value="')[1].split('"')[0]
    response = client.post("/org/import/regions/confirm", data={"token": token})
    assert response.status_code == 303
    assert staged_files(app) == []
