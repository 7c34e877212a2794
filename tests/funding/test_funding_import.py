"""A school imports its funded list for a period: preview, then all or nothing; replace or append chosen
explicitly; every bad row reported with its reason and nothing written."""
import io

import pytest
from sqlalchemy import func, select

from calamine_helpers import read_xlsx
from factories import make_id_number, page_text
from funding_files import card_number, library, row, subsidy, xlsx
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.funding.models import FundingImport, FundingRecord
from portal.progress.models import SchoolProgress
from portal.review.models import PeriodSubmission


def upload(client, school, content: bytes, mode: str | None = "replace", filename: str = "名单.xlsx"):
    data = {"file": (io.BytesIO(content), filename)}
    if mode:
        data["mode"] = mode
    return client.post(f"/funding/schools/{school.id}/import?period=2026-autumn", data=data,
                       content_type="multipart/form-data")


def confirm(client, school, preview, mode: str = "replace"):
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    return client.post(f"/funding/schools/{school.id}/import/confirm?period=2026-autumn",
                       data={"token": token, "mode": mode})


def records() -> int:
    return db.session.scalar(select(func.count()).select_from(FundingRecord))


def funding_state() -> tuple:
    """What an import could change: the records, the import history, the period's review row, audit, progress."""
    db.session.expire_all()
    stored = db.session.execute(select(FundingRecord.id, FundingRecord.name, FundingRecord.amount)
                                .order_by(FundingRecord.id)).all()
    imports = db.session.scalar(select(func.count()).select_from(FundingImport))
    submissions = db.session.execute(select(PeriodSubmission.kind, PeriodSubmission.status, PeriodSubmission.version)
                                     .order_by(PeriodSubmission.id)).all()
    # a refused request is recorded (scope_refused) without changing anything an import could change
    audited = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action != "scope_refused")
                                 .order_by(AuditEntry.id)).all()
    progress = db.session.execute(select(SchoolProgress.funded, SchoolProgress.unfunded, SchoolProgress.funded_records,
                                         SchoolProgress.funded_amount)).all()
    return stored, imports, submissions, audited, progress


@pytest.fixture
def list_before(client, login_as, school):
    """The school signed in, its 2026秋 list already holding one confirmed record (学生4, 250 元)."""
    login_as("school")
    assert confirm(client, school, upload(client, school, xlsx([row(school, 4)]))).status_code == 303
    before = funding_state()
    assert [name for _, name, _ in before[0]] == ["学生4"] and before[1] == 1
    return before


@pytest.fixture
def school(world):
    subsidy(world.province)
    library(world.xuanwu_school, 4)
    db.session.commit()
    return world.xuanwu_school


def test_school_imports_its_list_after_preview(client, login_as, school):
    login_as("school")
    preview = upload(client, school, xlsx([row(school, 1), row(school, 2), row(school, 3, card="")]))
    text = page_text(preview)
    assert "可导入 3 条，金额 750.00 元" in text and "信息不完整 1 条" in text and "错误 0 处" in text
    assert records() == 0  # nothing written before confirmation
    done = confirm(client, school, preview)
    assert done.status_code == 303
    page = page_text(client.get(done.headers["Location"]))
    assert "替换本期名单：导入 3 条，金额 750.00 元，其中 1 条信息不完整" in page
    stored = db.session.scalars(select(FundingRecord).order_by(FundingRecord.row_number)).all()
    assert [found.card_masked for found in stored] == ["6222 **** **** " + card_number(1)[-4:],
                                                       "6222 **** **** " + card_number(2)[-4:], None]
    assert card_number(1) not in str(stored[0].card_cipher) and stored[0].id_masked.startswith("3201")
    listing = client.get(f"/funding/schools/{school.id}/records?period=2026-autumn").get_data(as_text=True)
    assert "6222 **** **** " + card_number(1)[-4:] in listing and card_number(1) not in listing
    assert [found.incomplete for found in stored] == [False, False, True]
    progress = db.session.scalar(select(SchoolProgress).where(SchoolProgress.school_id == school.id))
    assert (progress.funded, progress.unfunded, progress.funded_records, progress.incomplete_records) == (3, 1, 3, 1)
    assert progress.funded_amount == 750 and progress.national_amount == 750
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "import_funding")).startswith(
        "2026秋 替换本期名单：3 条")


def test_the_import_mode_has_no_default(client, login_as, school):
    login_as("school")
    form = client.get(f"/funding/schools/{school.id}/import").get_data(as_text=True)
    assert 'value="replace" required >' in form and 'value="append" required >' in form  # neither checked
    refused = upload(client, school, xlsx([row(school, 1)]), mode=None)
    assert refused.status_code == 422 and "请选择导入方式" in page_text(refused)
    assert records() == 0


def test_replace_swaps_the_period_and_append_adds(client, login_as, school):
    login_as("school")
    confirm(client, school, upload(client, school, xlsx([row(school, 1), row(school, 2)])))
    preview = upload(client, school, xlsx([row(school, 3)]), mode="replace")
    assert "本期现有的 2 条资助记录将被删除" in page_text(preview)
    confirm(client, school, preview)
    assert records() == 1
    preview = upload(client, school, xlsx([row(school, 4), row(school, 3)]), mode="append")
    assert "本期已有该生该项目的记录" in page_text(preview) and "错误 1 处" in page_text(preview)
    confirm(client, school, upload(client, school, xlsx([row(school, 4)]), mode="append"), mode="append")
    assert records() == 2


@pytest.mark.parametrize("bad, column, reason", [
    ({"project": "国家助学金"}, "资助项目", "资助项目“国家助学金”不适用于该生所在学段（小学）"),
    ({"project": "某某奖学金"}, "资助项目", "不在本校可用的资助项目目录中"),
    ({"amount": -250}, "资助金额", "金额不能为负数"),
    ({"amount": 25000}, "资助金额", "超过该项目每生每年最高 1,000 元"),
    ({"standard": 800}, "资助标准", "不是该项目的标准"),
    ({"paid": "2026-03-15"}, "发放时间", "不在2026秋（2026-09-01 至 2027-01-31）内"),
    ({"card": card_number(9)[:-1] + str((int(card_number(9)[-1]) + 1) % 10)}, "银行卡号", "未通过校验"),
    ({"born": "20140101"}, "身份证件号", "该生不在本校2026秋学期的学籍名单中"),
])
def test_a_bad_row_refuses_the_whole_file(client, login_as, school, world, list_before, bad, column, reason):
    from factories import make_funding_project

    make_funding_project("国家助学金", "senior", owner_region=world.province, standards="2800,2300,1800")
    db.session.commit()
    before = funding_state()
    preview = upload(client, school, xlsx([row(school, 1), row(school, 2, **bad), row(school, 3)]))
    text = page_text(preview)
    assert "错误 1 处" in text and "整个文件不会导入" in text and reason in text, text
    assert "确认导入" not in text
    refused = read_xlsx(client.post(f"/funding/schools/{school.id}/import/refused?period=2026-autumn",
                                    data={"token": preview.get_data(as_text=True).split('name="token" value="')[1]
                                          .split('"')[0], "mode": "replace"}).data)
    assert refused[0][-2:] == ["行号", "错误原因"] and [line[-2] for line in refused[1:]] == [4]
    assert refused[1][-1].startswith(column)
    forced = confirm(client, school, preview)  # a confirmation posted anyway: replace must not empty the list
    assert forced.status_code == 422 and "文件中有 1 处错误，未导入任何数据" in page_text(forced)
    assert funding_state() == before


def test_a_refused_file_leaves_an_untouched_period_not_started(client, login_as, school):
    login_as("school")
    preview = upload(client, school, xlsx([row(school, 1, amount=-250)]))
    assert "金额不能为负数" in page_text(preview)
    forced = confirm(client, school, preview)
    assert forced.status_code == 422 and "未导入任何数据" in page_text(forced)
    stored, imports, submissions, audited, _ = funding_state()
    assert (stored, imports, submissions, audited) == ([], 0, [], ["login"])  # still 未填报, nothing audited


def test_every_student_missing_from_the_enrolment_is_reported(client, school, list_before):
    strangers = [row(school, n, born="20140101") for n in (5, 6, 7)]
    preview = upload(client, school, xlsx([row(school, 1), *strangers]))
    text = page_text(preview)
    assert "错误 3 处" in text and text.count("该生不在本校2026秋学期的学籍名单中") == 3
    assert confirm(client, school, preview).status_code == 422
    assert funding_state() == list_before


def test_another_schools_file_is_refused(client, school, world, list_before):
    rows = [row(school, 1), row(school, 2)]
    for line in rows:
        line[0] = world.xuanwu_school_2.code
    preview = upload(client, school, xlsx(rows))
    text = page_text(preview)
    assert "错误 2 处" in text and f"学校标识码 {world.xuanwu_school_2.code} 不是本校" in text
    assert confirm(client, school, preview).status_code == 422
    into_theirs = upload(client, world.xuanwu_school_2, xlsx([row(school, 1)]))  # the URL edited to the other school
    assert into_theirs.status_code == 404 and "页面不存在" in page_text(into_theirs)
    assert funding_state() == list_before


def test_a_duplicate_in_the_file_is_refused(client, login_as, school):
    login_as("school")
    text = page_text(upload(client, school, xlsx([row(school, 1), row(school, 1)])))
    assert "与第 3 行重复（同一学生同一项目）" in text and records() == 0


def test_csv_with_text_dates_and_spaced_cards_imports(client, login_as, school):
    login_as("school")
    lines = ["身份证号,姓名,资助项目,资助金额,发放日期,银行卡号"]
    card = card_number(1)
    lines.append(f"{make_id_number(serial=1)},学生1,义务教育家庭经济困难学生生活补助,250,2026年10月15日,{card[:4]} {card[4:]}")
    preview = upload(client, school, "\n".join(lines).encode("gbk"), filename="名单.csv")
    assert "可导入 1 条" in page_text(preview)
    confirm(client, school, preview)
    stored = db.session.scalar(select(FundingRecord))
    assert stored.paid_on.isoformat() == "2026-10-15" and stored.standard is None and stored.incomplete


def test_other_tiers_cannot_import(client, login_as, school):
    login_as("county")
    assert upload(client, school, xlsx([row(school, 1)])).status_code == 404
    assert records() == 0


def test_command_line_import(app, school):
    path = app.instance_path + "/funding-cli.xlsx"
    with open(path, "wb") as handle:
        handle.write(xlsx([row(school, 1), row(school, 2)]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-funding", "--school", school.code, "--period", "2026秋", path])
    assert result.exit_code == 0, result.output
    assert "导入 2 条" in result.output and records() == 2
    bad = app.instance_path + "/funding-cli-bad.xlsx"
    with open(bad, "wb") as handle:
        handle.write(xlsx([row(school, 3, amount=-1)]))
    result = runner.invoke(args=["import-funding", "--school", school.code, "--period", "2026秋", "--append", bad])
    assert result.exit_code != 0 and "金额不能为负数" in result.output and records() == 2


def test_the_template_is_offered_on_the_import_page_and_holds_a_valid_example(client, login_as, school):
    from portal.idcard import luhn_ok, validate

    login_as("school")
    page = client.get(f"/funding/schools/{school.id}/import?period=2026-autumn").get_data(as_text=True)
    assert 'href="/funding/import/template.xlsx"' in page
    template = client.get("/funding/import/template.xlsx").data
    assert len(read_xlsx(template)) == 1  # the data sheet: the header alone; the example is on the guide sheet
    header, example = read_xlsx(template, sheet=1)[-2:]
    assert header == ["学校标识码", "身份证件号", "姓名", "资助项目", "资助标准", "资助金额", "发放时间", "银行卡号"]
    assert validate(example[1]) == example[1] and luhn_ok(example[7].replace(" ", ""))
