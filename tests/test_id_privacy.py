"""DESIGN §7's privacy rule, tried as an attacker would: without the key, what the database keeps in clear and
what any page or export shows without a recorded reveal must leave at least 10,000 candidates for an ID number.

People go in the way users put them in (base-library import, a school's enrolment file and its matching, a
manual addition, a funded list, a recorded reveal); then every clear column of every table, and the text of
every page and export that lists them, is searched for what it gives away of each number, and the numbers
that agree with all of it are counted. Region (digits 1-6), birth year (7-10) and gender count as known: the
rule allows them in clear. On the old shape (full birth date in clear, a mask showing the last four) this
counts 1 candidate and fails."""
import calendar
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import LargeBinary, select

from calamine_helpers import read_xlsx
from factories import make_funding_project, make_id_number, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import HardshipStudent
from portal.extensions import db
from portal.terms import current_term

MINIMUM = 10_000
_CHECK_CHARS = "10X98765432"
_WEIGHTS = [2 ** (17 - position) % 11 for position in range(17)]
_ALWAYS_KNOWN = frozenset(range(10))  # region prefix and birth year: in clear by the rule


def check_char(first17: str) -> str:
    return _CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS)) % 11]


def candidates(number: str, known: set[int]) -> int:
    """Valid ID numbers that agree with `number` at every known position (0-based) and in the gender (the parity of
    the 17th character). Every day of the birth year that the known characters allow, times every sequence number
    they allow; the check character filters only when it is known (otherwise the rest fixes it)."""
    known = set(known) | _ALWAYS_KNOWN
    year = int(number[6:10])
    sequences = [f"{sequence:03d}" for sequence in range(1000)
                 if sequence % 2 == int(number[16]) % 2
                 and all(f"{sequence:03d}"[position - 14] == number[position] for position in known & {14, 15, 16})]
    count = 0
    for month in range(1, 13):
        for day in range(1, calendar.monthrange(year, month)[1] + 1):
            month_day = f"{month:02d}{day:02d}"
            if any(month_day[position - 10] != number[position] for position in known & {10, 11, 12, 13}):
                continue
            if 17 in known:
                count += sum(check_char(number[:10] + month_day + sequence) == number[17] for sequence in sequences)
            else:
                count += len(sequences)
    return count


def birth_date_forms(number: str) -> list[str]:
    year, month, day = number[6:10], number[10:12], number[12:14]
    m, d = int(month), int(day)
    return [f"{year}-{month}-{day}", f"{year}/{month}/{day}", f"{year}.{month}.{day}", f"{year}年{month}月{day}日",
            f"{year}年{m}月{d}日", f"{year}-{m}-{d}", f"{year}/{m}/{d}", f"{year}{month}{day}"]


def known_positions(number: str, text: str) -> set[int]:
    """What `text` gives away of `number`: a mask's shown characters (any 18-character run of digits, X and stars
    that agrees with the number wherever it shows one, as a 学籍号 "G…" holds it too) and the birth date, in any
    of the ways dates are written."""
    if number in text:
        return set(range(18))
    known = set()
    for window in re.findall(r"(?=([0-9X*]{18}))", text):
        shown = {position for position, char in enumerate(window) if char != "*"}
        if "*" in window and window[:4] == number[:4] and all(window[p] == number[p] for p in shown):
            known |= shown
    if any(form in text for form in birth_date_forms(number)):
        known |= {10, 11, 12, 13}
    return known


# ---------------------------------------------------------------- the counting itself

def test_the_count_is_the_arithmetic_of_idcard():
    number = make_id_number("320102", "20150312", 7)
    # 365 days × 500 sequence numbers of the known gender
    assert candidates(number, known_positions(number, "320102************ 2015 男")) == 365 * 500 == 182_500
    leap = make_id_number("320102", "20160312", 7)
    assert candidates(leap, set()) == 366 * 500
    # each shown digit of the sequence divides by 10, a shown check character by about 11
    assert candidates(number, {14}) == 365 * 50
    assert 182_500 // 13 < candidates(number, {17}) < 182_500 // 9
    # a mask that showed the last two characters would already break the rule: about 3,300 left
    assert candidates(number, {16, 17}) < MINIMUM


def test_the_old_shape_rebuilds_the_number():
    """A full birth date beside a mask that shows the last four, as the portal kept them before: one candidate."""
    number = make_id_number("320102", "20150312", 7)
    old_row = f"3201**********{number[-4:]} 张三 M 2015-03-12 320102"
    assert known_positions(number, old_row) == set(range(4)) | set(range(10, 18))
    assert candidates(number, known_positions(number, old_row)) == 1
    assert candidates(number, known_positions(number, "出生日期 2015年3月12日")) == 500  # the date alone: < 10,000


# ---------------------------------------------------------------- the people, entered as users enter them

PEOPLE = {  # name: ID number (all of 玄武区第一小学 but 赵小丽, who is only in the base library)
    "张小明": make_id_number("320102", "20150312", 11),
    "李小红": make_id_number("320104", "20140705", 22),
    "王小刚": make_id_number("320102", "20161128", 33),
    "赵小丽": make_id_number("320205", "20130824", 44),
}
ENROLMENT_HEADER = ["学籍号", "姓名", "性别", "身份证件号", "学段", "年级", "班级", "入学年月", "户籍地"]
FUNDING_HEADER = ["学校标识码", "身份证件号", "姓名", "资助项目", "资助标准", "资助金额", "发放时间", "银行卡号"]
PROJECT = "义务教育家庭经济困难学生生活补助"


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def post_file(client, url: str, content: bytes, **fields):
    return client.post(url, data={"file": (io.BytesIO(content), "名单.xlsx"), **fields},
                       content_type="multipart/form-data")


def library_preview(client, category: str, content: bytes):
    """A department's upload: a background job (run at once in tests) whose page links on to the preview."""
    sent = post_file(client, f"/library/import/{category}", content)
    job_page = client.get(sent.headers["Location"])
    onward = re.search(r'<a class="button primary" href="([^"]+)"', job_page.get_data(as_text=True))
    return client.get(onward.group(1).replace("&amp;", "&"))


def token_of(response) -> str:
    return response.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]


@pytest.fixture
def entered(client, login_as, world, monkeypatch):
    """Everyone in, through the portal's own paths; returns the ids the pages need."""
    from datetime import date
    monkeypatch.setattr("portal.deadlines.services.today", lambda: date(2026, 11, 22))
    school = world.xuanwu_school
    login_as("province")
    library_rows = [["姓名", "身份证件号", "户籍地区划代码", "脱贫状态"]] + [
        [name, PEOPLE[name], "", "未脱贫"] for name in ("张小明", "李小红", "赵小丽")]
    preview = library_preview(client, "poverty", xlsx(library_rows))
    batch_id = int(re.search(r"/library/batches/(\d+)/confirm", preview.get_data(as_text=True)).group(1))
    assert client.post(f"/library/batches/{batch_id}/confirm").status_code == 303
    enrolment_rows = [ENROLMENT_HEADER] + [
        [f"G{PEOPLE[name]}", name, "", PEOPLE[name], "小学", "四年级", "四年级（1）班", "2022-09", ""]
        for name in ("张小明", "李小红", "王小刚")]
    upload.import_file(Actor.command_line(), xlsx(enrolment_rows), "学籍.xlsx", current_term(), school)
    db.session.commit()
    make_funding_project(PROJECT, "primary", owner_region=world.province, standards="1000,500", standard_per="year")
    db.session.commit()
    login_as("school")
    added = client.post("/enrolment/add", data={
        "id_number": PEOPLE["王小刚"], "name": "王小刚", "student_no": f"G{PEOPLE['王小刚']}", "stage": "primary",
        "grade": "四年级", "class_name": "四年级（1）班", "categories": ["dibao"], "dibao_type": "rural",
        "note": "民政部门证明其为农村低保"})
    assert added.status_code in (200, 303), page_text(added)[:500]
    funded = [FUNDING_HEADER] + [[school.code, PEOPLE[name], name, PROJECT, 500, 250, "2026-10-15",
                                  "6222020000000000018"] for name in ("张小明", "李小红")]
    preview = post_file(client, f"/funding/schools/{school.id}/import?period=2026-autumn", xlsx(funded),
                        mode="replace")
    assert client.post(f"/funding/schools/{school.id}/import/confirm?period=2026-autumn",
                       data={"token": token_of(preview), "mode": "replace"}).status_code == 303
    students = {student.name: student.id for student in db.session.scalars(select(HardshipStudent))}
    assert set(students) == {"张小明", "李小红", "王小刚"}
    # the audited reveal still works, and only it shows the whole number
    revealed = client.post(f"/enrolment/students/{students['张小明']}/reveal", data={"reason": "核对资助发放"},
                           headers={"HX-Request": "true"})
    assert PEOPLE["张小明"] in revealed.get_data(as_text=True)
    return {"school": school, "students": students, "batch": batch_id}


def assert_enough_candidates(sources: dict[str, str], where: str) -> None:
    """Per person: from each source alone, and from all of them together, at least MINIMUM candidates remain."""
    failures = []
    for name, number in PEOPLE.items():
        about = {source: text for source, text in sources.items() if name in text}
        together = set()
        for source, text in about.items():
            known = known_positions(number, text)
            together |= known
            if (count := candidates(number, known)) < MINIMUM:
                failures.append(f"{name}: {source} leaves {count}")
        if (count := candidates(number, together)) < MINIMUM:
            failures.append(f"{name}: all of {where} together leave {count}")
    assert not failures, "\n".join(failures)


def clear_text_of_every_table() -> dict[str, str]:
    """Per table and row, what its columns hold in clear: every column but the keyed (binary) ones."""
    sources = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            clear = [column for column in table.columns if not isinstance(column.type, LargeBinary)]
            for position, row in enumerate(connection.execute(select(*clear))):
                sources[f"{table.name} row {position}"] = " ".join("" if value is None else str(value) for value in row)
    return sources


def test_the_clear_columns_of_every_table_leave_10000_candidates(app, entered):
    sources = clear_text_of_every_table()
    for table in ("library_record", "enrolment_student", "hardship_student", "funding_record", "audit_entry"):
        assert any(source.startswith(table + " ") and "张小明" in text for source, text in sources.items()), table
    assert_enough_candidates(sources, "the database")


def texts_of(client, urls: list[str]) -> dict[str, str]:
    """The text of each page or export; "POST /path?k=v" sends the fields as a form (the library search)."""
    texts = {}
    for url in urls:
        if url.startswith("POST "):
            path, _, query = url[5:].partition("?")
            response = client.post(path, data=dict(part.split("=", 1) for part in query.split("&")))
        else:
            response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx") or ".xlsx?" in url:
            texts[url] = " ".join(" ".join(str(cell) for cell in row) for row in read_xlsx(response.data))
        else:
            texts[url] = page_text(response)
    return texts


def test_no_page_or_export_leaves_fewer_than_10000_candidates(client, login_as, world, entered):
    school, students = entered["school"], entered["students"]
    period = "period=2026-autumn"
    sources = texts_of(client, [  # the school (signed in by the fixture last)
        f"/enrolment/schools/{school.id}/library", f"/enrolment/schools/{school.id}/library/export.xlsx",
        *[f"/enrolment/students/{student_id}" for student_id in students.values()],
        f"/funding/schools/{school.id}/records?{period}", f"/funding/schools/{school.id}/records.xlsx?{period}",
        f"/funding/schools/{school.id}/students?{period}",
        *[f"/funding/students/{student_id}" for student_id in students.values()],
        "/reasons/",
    ])
    login_as("county")
    sources |= texts_of(client, ["/enrolment/review"])
    login_as("province")
    sources |= texts_of(client, [*[f"POST /library/search?q={name}" for name in PEOPLE],
                                 f"/library/batches/{entered['batch']}?kind=added", "/audit/", "/audit/export.xlsx"])
    for url in (f"/enrolment/students/{students['张小明']}", "POST /library/search?q=赵小丽", "/audit/export.xlsx",
                f"/funding/schools/{school.id}/records.xlsx?{period}"):
        assert "张小明" in sources[url] or "赵小丽" in sources[url], url  # the people are there to be read
    assert_enough_candidates(sources, "the pages and exports")
