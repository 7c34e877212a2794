"""Spreadsheets for base-library tests: an xlsx from rows, uploads through the import page, a few people."""
import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from factories import make_id_number
from portal.extensions import db
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord

POVERTY_HEADER = ["姓名", "身份证件号", "户籍地区划代码", "脱贫状态"]
ZHANG = make_id_number("320102", "20100315", 11)   # 玄武区, school age
LI = make_id_number("320205", "20080620", 22)      # 锡山区
WANG = make_id_number("341102", "20120101", 33)    # 安徽 prefix: first issued elsewhere, still accepted
ZHAO = make_id_number("320104", "19700101", 44)    # 秦淮区, an adult


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def xlsx(rows: list[list], title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def poverty_file(*people: tuple) -> bytes:
    """(name, id, hukou, status) rows under the template's header."""
    return xlsx([POVERTY_HEADER, *[list(person) for person in people]])


def upload(client, category: str, content: bytes, filename: str = "名单.xlsx"):
    """Upload as a user does: the file goes to a background job (run at once in tests), whose page links on to
    the preview or the refused rows; that page is returned (or the job's page when the job refused the file
    itself, or the import page when the upload was refused before any job)."""
    sent = client.post(f"/library/import/{category}", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")
    if sent.status_code != 303 or "/jobs/" not in sent.headers["Location"]:
        return sent
    job_page = client.get(sent.headers["Location"])
    onward = re.search(r'<a class="button primary" href="([^"]+)"', job_page.get_data(as_text=True))
    return client.get(onward.group(1).replace("&amp;", "&")) if onward else job_page


def pending_batch_id(response) -> int:
    body = response.get_data(as_text=True)
    return int(re.search(r'/library/batches/(\d+)/confirm', body).group(1))


def token_of(response) -> str:
    return response.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]


def removal_to_type(response) -> str | None:
    """The number of people a preview's big-removal warning says will go, as a user would type it; None when
    the preview asks for no number."""
    found = re.search(r"将替换“[^”]+”的当前批次：移出 ([\d,]+) 人", response.get_data(as_text=True))
    return found.group(1) if found else None


def import_confirmed(client, category: str, content: bytes):
    """Upload, then confirm as a user would (typing the number of people removed when the preview asks for it)."""
    preview = upload(client, category, content)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    typed = removal_to_type(preview)
    done = client.post(f"/library/batches/{pending_batch_id(preview)}/confirm",
                       data={"removed": typed} if typed else {})
    if done.status_code == 303:
        client.get(done.headers["Location"])  # shows (and so consumes) the flash message
    return done


def current_batch(category: str = "poverty") -> LibraryBatch | None:
    return db.session.scalar(select(LibraryBatch).where(LibraryBatch.category == category,
                                                        LibraryBatch.status == BatchStatus.CURRENT))


def record_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LibraryRecord))


def batch_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LibraryBatch))
