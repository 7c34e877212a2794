"""Notices in the browser's terms (test client): the print page of a batch, who was told (in bulk, with the
library's 已告知/未告知 filter and the per-school count upper tiers read), the province's template with its
preview and refusals, the school's settings, and scope."""
from datetime import date

from sqlalchemy import select

from factories import make_unfunded_student, page_text
from notice_helpers import make_class, make_primary_catalogue
from portal.extensions import db
from portal.notices.models import NoticeRecord
from portal.progress.models import SchoolProgress

TERM = "2026-autumn"


def print_url(school, **args):
    query = "&".join(f"{key}={value}" for key, value in {"term": TERM, **args}.items())
    return f"/notices/schools/{school.id}/print?{query}"


def test_the_print_page_has_one_sheet_per_student_of_the_class_and_nothing_of_others(client, login_as, world):
    make_primary_catalogue(world.province)
    mine = make_class(world.xuanwu_school, "三年级2班", 3)
    other = make_class(world.xuanwu_school, "三年级3班", 1, categories="poverty,disabled")
    db.session.commit()
    login_as("school")

    response = client.get(print_url(world.xuanwu_school, **{"class": "三年级2班"}))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="notice-sheet"') == 3
    text = page_text(response)
    assert all(student.name in text for student in mine) and other[0].name not in text
    assert "最低生活保障家庭" in text and "义务教育家庭经济困难学生生活补助" in text and "1,000/500" in text
    assert "回 执" in text and "家长签名" in text
    assert "3201" not in text  # no ID number at all
    assert "三年级2班，3 份" in text and "下载 PDF" in text


def test_one_student_from_the_student_page(client, login_as, world):
    student, other = make_class(world.xuanwu_school, "三年级2班", 2)
    db.session.commit()
    login_as("school")
    page = page_text(client.get(f"/enrolment/students/{student.id}"))
    assert "打印该生的资助政策告知书" in page and "尚未登记告知家长" in page

    text = page_text(client.get(print_url(world.xuanwu_school, student=student.id)))

    assert student.name in text and other.name not in text


def test_another_schools_notices_are_not_found(client, login_as, world):
    make_class(world.qinhuai_school, "三年级2班", 1)
    db.session.commit()
    login_as("school")
    assert client.get(print_url(world.qinhuai_school)).status_code == 404
    assert client.get(f"/notices/schools/{world.qinhuai_school.id}/notices.pdf?term={TERM}").status_code == 404
    assert client.post(f"/notices/schools/{world.qinhuai_school.id}/told?term={TERM}",
                       data={"notified_on": "2026-11-20", "method": "phone"}).status_code == 404


def test_telling_a_printed_class_in_bulk_filters_the_library_and_counts_for_the_county(client, login_as, world):
    told = make_class(world.xuanwu_school, "三年级2班", 3)
    untold = make_class(world.xuanwu_school, "三年级3班", 2)
    db.session.commit()
    user = login_as("school")

    response = client.post(f"/notices/schools/{world.xuanwu_school.id}/told?term={TERM}&class=三年级2班",
                           data={"notified_on": "2026-11-20", "method": "printed"}, follow_redirects=True)

    assert "已登记 3 名学生的家长已被告知" in page_text(response)
    rows = db.session.scalars(select(NoticeRecord)).all()
    assert sorted(row.student_id for row in rows) == sorted(s.id for s in told)
    assert {(row.notified_on, row.method, row.by_name) for row in rows} == {(date(2026, 11, 20), "printed", user.username)}
    library = f"/enrolment/schools/{world.xuanwu_school.id}/library?term={TERM}"
    yes, no = page_text(client.get(library + "&notified=yes")), page_text(client.get(library + "&notified=no"))
    assert all(s.name in yes and s.name not in no for s in told)
    assert all(s.name in no and s.name not in yes for s in untold)
    assert "11-20 打印告知书" in yes
    student_page = page_text(client.get(f"/enrolment/students/{told[0].id}"))
    assert "2026-11-20 打印告知书" in student_page
    progress = db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == world.xuanwu_school.id,
                                                              SchoolProgress.term == TERM))
    assert progress.notified == 3

    client.post("/logout")
    login_as("county")  # the county's school list and drill-down read the count from the progress row
    schools = client.get(f"/oversight/schools?term={TERM}").get_data(as_text=True)
    row = next(part for part in schools.split("<tr>") if "玄武区第一小学" in part)
    headers = schools.split("<thead>")[1].split("</thead>")[0]
    assert "已告知家长" in headers and "<td>3</td>" in row
    drill = client.get(f"/oversight/schools/{world.xuanwu_school.id}?term={TERM}").get_data(as_text=True)
    assert "已告知" in drill and "<td class=\"\">3</td>" in drill


def test_a_telling_without_date_or_in_the_future_is_refused_with_the_batch_kept(client, login_as, world):
    make_class(world.xuanwu_school, "三年级2班", 2)
    db.session.commit()
    login_as("school")
    url = f"/notices/schools/{world.xuanwu_school.id}/told?term={TERM}&class=三年级2班"

    future = client.post(url, data={"notified_on": "2026-12-30", "method": "phone"})
    assert future.status_code == 422 and "告知日期不能晚于今天" in page_text(future)
    assert future.get_data(as_text=True).count('class="notice-sheet"') == 2
    missing = client.post(url, data={"notified_on": "", "method": "phone"})
    assert missing.status_code == 422 and "请填写告知日期" in page_text(missing)
    bad_method = client.post(url, data={"notified_on": "2026-11-20", "method": "fax"})
    assert bad_method.status_code == 422 and "请选择告知方式" in page_text(bad_method)
    assert db.session.scalar(select(NoticeRecord)) is None


def test_the_province_edits_the_template_with_a_preview_escaping_html(client, login_as, world):
    login_as("province")
    page = client.get("/notices/template")
    assert page.status_code == 200 and "尊敬的张小明同学家长" in page_text(page)

    body = "致{学生}家长：<script>alert(1)</script>\n\n{资助项目}\n\n请于{申请截止日期}前申请。"
    preview = client.post("/notices/template", data={"title": "告知书", "body": body, "action": "preview",
                                                     "school_paragraph_allowed": "1"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "预览（尚未保存）" in html
    assert "致张小明家长：&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "尊敬的张小明同学家长" in page_text(client.get("/notices/template"))  # not saved by a preview

    saved = client.post("/notices/template", data={"title": "告知书", "body": body, "action": "save"},
                        follow_redirects=True)
    assert "告知书模板已保存" in page_text(saved) and "致张小明家长" in page_text(saved)


def test_a_placeholder_that_does_not_exist_is_refused_by_name(client, login_as, world):
    login_as("province")
    response = client.post("/notices/template", data={"title": "告知书", "action": "save",
                                                      "body": "尊敬的{学生}家长：{家长姓名}、{银行卡号}"})
    assert response.status_code == 422
    assert "正文中有不存在的占位符：{家长姓名}、{银行卡号}" in page_text(response)
    stray = client.post("/notices/template", data={"title": "告知书", "action": "save", "body": "尊敬的{学生家长："})
    assert stray.status_code == 422 and "不成对的花括号" in page_text(stray)


def test_only_the_province_edits_the_template(client, login_as, world):
    login_as("county")
    assert client.get("/notices/template").status_code == 404


def test_the_school_sets_its_contact_paragraph_and_date_and_the_notices_show_them(client, login_as, world):
    make_class(world.xuanwu_school, "三年级2班", 1)
    db.session.commit()
    login_as("school")
    assert "告知书" in page_text(client.get("/notices/settings"))

    response = client.post("/notices/settings", data={
        "contact": "学生资助办 王老师 025-12345678", "apply_by": "2026-12-10",
        "school_paragraph": "本校另设{学校}爱心助学金，<b>欢迎</b>咨询。"}, follow_redirects=True)

    assert "告知书设置已保存" in page_text(response)
    printed = client.get(print_url(world.xuanwu_school))
    text = page_text(printed)
    assert "学生资助办 王老师 025-12345678" in text and "2026年12月10日" in text
    assert "本校另设玄武区第一小学爱心助学金，&lt;b&gt;欢迎&lt;/b&gt;咨询。" in printed.get_data(as_text=True)

    refused = client.post("/notices/settings", data={"contact": "x", "school_paragraph": "{校长}"})
    assert refused.status_code == 422 and "学校段落中有不存在的占位符：{校长}" in page_text(refused)


def test_a_school_paragraph_is_refused_when_the_province_does_not_allow_it(client, login_as, world):
    login_as("province")
    client.post("/notices/template", data={"title": "告知书", "body": "{学生}家长：", "action": "save"})
    client.post("/logout")
    login_as("school")
    response = client.post("/notices/settings", data={"contact": "x", "school_paragraph": "本校段落"})
    assert response.status_code == 422 and "不允许学校添加自己的段落" in page_text(response)


def test_the_library_links_its_current_filter_to_the_print_page(client, login_as, world):
    make_unfunded_student(world.xuanwu_school, "甲乙丙", class_name="三年级2班")
    db.session.commit()
    login_as("school")
    html = client.get(f"/enrolment/schools/{world.xuanwu_school.id}/library?term={TERM}&class=三年级2班&notified=no").get_data(
        as_text=True)
    assert "打印告知书（按当前筛选，1 人）" in html
    link = html.split('id="print-notices" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "notified=no" in link and "class=" in link
    assert "甲乙丙" in page_text(client.get(link))
