"""National projects named as 003's annex tables name them: a funded list may use those names or the catalogue's
former ones (a synonym resolves to the catalogue's project, and the preview says which project each name was
taken as); 学前教育资助 is no national project (annex 6); 部属高校基层就业学费补偿贷款代偿 for 本专科 and 研究生;
seed-national-projects puts existing installs right and is idempotent."""
import io

import pytest
from sqlalchemy import func, select

from factories import make_enrolled_student, make_funding_project, make_id_number, page_text
from funding_files import card_number, xlsx
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.extensions import db
from portal.funding.models import FundingProject, FundingRecord
from portal.funding.national import NATIONAL_PROJECTS, seed_national_projects
from portal.progress.models import SchoolProgress
from portal.progress.services import refresh_progress


def national() -> dict[tuple[str, str], FundingProject]:
    db.session.expire_all()
    return {(project.name, project.stages): project for project in db.session.scalars(
        select(FundingProject).where(FundingProject.level == "national"))}


def test_a_new_install_gets_the_annex_names_and_no_national_preschool_project(app, world):
    done = seed_national_projects(Actor.command_line(), "320000")
    assert done == (len(NATIONAL_PROJECTS), 0, 0)
    names = national()
    for name, stages in (("困难生生活补助", "primary"), ("困难生生活补助", "junior"),
                         ("建档立卡家庭经济困难学生免学杂费", "senior"), ("国家助学金", "senior"),
                         ("国家免学费", "vocational"), ("服兵役国家资助", "undergraduate"),
                         ("服兵役国家资助", "graduate"), ("国家励志奖学金", "undergraduate"), ("学业奖学金", "graduate")):
        assert (name, stages) in names, name
    assert names["部属高校基层就业学费补偿贷款代偿", "undergraduate"].standards == "20000"
    assert names["部属高校基层就业学费补偿贷款代偿", "graduate"].standards == "25000"
    assert not [key for key in names if "preschool" in key[1]]
    assert not {"免学费", "免学杂费", "义务教育家庭经济困难学生生活补助", "服兵役高等学校学生国家教育资助",
                "学前教育资助"} & {name for name, _ in names}
    assert seed_national_projects(Actor.command_line(), "320000") == (0, 0, 0)


@pytest.fixture
def old_install(world):
    """A catalogue seeded before: former names, a national 学前教育资助 with a funded record of a kindergarten."""
    province = world.province
    made = {
        "免学费": make_funding_project("免学费", "vocational", owner_region=province, period_type="month"),
        "免学杂费": make_funding_project("免学杂费", "senior", owner_region=province),
        "小学补助": make_funding_project("义务教育家庭经济困难学生生活补助", "primary", owner_region=province,
                                     standards="1000,500"),
        "初中补助": make_funding_project("义务教育家庭经济困难学生生活补助", "junior", owner_region=province,
                                     standards="1250,625"),
        "服兵役": make_funding_project("服兵役高等学校学生国家教育资助", "undergraduate", owner_region=province,
                                    standards="20000"),
        "学前": make_funding_project("学前教育资助", "preschool", owner_region=province, standards="1500,1000"),
    }
    made["学前"].note = "省里改过的说明"
    kindergarten = world.xuanwu_school_2
    kindergarten.stages = "preschool"
    child = make_enrolled_student(kindergarten, make_id_number(born="20220901", serial=1), "幼儿甲")
    db.session.add(FundingRecord(school_id=kindergarten.id, period="2026-autumn", term="2026-autumn",
                                 project_id=made["学前"].id, id_hash=child.id_hash, id_cipher=child.id_cipher,
                                 id_masked=child.id_masked, name=child.name, amount=750))
    refresh_progress([kindergarten.id], "2026-autumn")
    db.session.commit()
    return made


def test_the_seed_command_puts_an_existing_install_right_and_keeps_its_records(app, world, old_install):
    def national_amount():
        return db.session.scalar(select(SchoolProgress.national_amount).where(
            SchoolProgress.school_id == world.xuanwu_school_2.id, SchoolProgress.term == "2026-autumn"))

    assert national_amount() == 750
    result = app.test_cli_runner().invoke(args=["seed-national-projects"])
    assert result.exit_code == 0
    assert f"新增国家资助项目 {len(NATIONAL_PROJECTS) - 5} 个；按003附件更名 5 个；学前教育资助改为地方政府资助 1 个" \
        in result.output
    names = national()
    assert names["国家免学费", "vocational"].id == old_install["免学费"].id  # renamed in place, not duplicated
    assert names["建档立卡家庭经济困难学生免学杂费", "senior"].id == old_install["免学杂费"].id
    assert names["困难生生活补助", "primary"].id == old_install["小学补助"].id
    assert names["困难生生活补助", "junior"].standards == "1250,625"  # the province's edits stay
    assert names["服兵役国家资助", "undergraduate"].id == old_install["服兵役"].id
    assert ("服兵役国家资助", "graduate") in names  # the one it lacked, added
    preschool = db.session.get(FundingProject, old_install["学前"].id)
    assert (preschool.level, preschool.owner_region_code, preschool.note) == ("local", "320000", "省里改过的说明")
    assert db.session.scalar(select(func.count()).select_from(FundingRecord)
                             .where(FundingRecord.project_id == preschool.id)) == 1
    assert national_amount() == 0  # no longer national money
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "edit_project")).all()
    assert any("免学费→国家免学费（中职）" in detail for detail in details)
    assert any("学前教育资助改为地方政府资助项目" in detail for detail in details)

    again = app.test_cli_runner().invoke(args=["seed-national-projects"])
    assert "新增国家资助项目 0 个；按003附件更名 0 个；学前教育资助改为地方政府资助 0 个" in again.output
    assert len(national()) == len(NATIONAL_PROJECTS)


def test_a_former_name_is_left_where_the_new_name_already_serves_its_stage(app, world):
    make_funding_project("免学费", "vocational", owner_region=world.province)
    kept = make_funding_project("国家免学费", "vocational", owner_region=world.province)
    db.session.commit()
    assert seed_national_projects(Actor.command_line(), "320000").renamed == 0
    names = national()
    assert names["国家免学费", "vocational"].id == kept.id and ("免学费", "vocational") in names


# -- importing a funded list under either name ---------------------------------------------------------
def upload(client, school, content: bytes):
    return client.post(f"/funding/schools/{school.id}/import?period=2026-autumn",
                       data={"file": (io.BytesIO(content), "名单.xlsx"), "mode": "replace"},
                       content_type="multipart/form-data")


def line(school, serial: int, project: str, born: str, amount=500, standard=1000) -> list:
    return [school.code, make_id_number(born=born, serial=serial), f"学生{serial}", project, standard, amount,
            "2026-10-15", card_number(serial)]


@pytest.fixture
def nine_year_school(world):
    """A school teaching 小学 and 初中, two pupils of each."""
    school = world.xuanwu_school
    school.stages = "primary,junior"
    for serial, stage, born in ((1, "primary", "20150901"), (2, "primary", "20150901"),
                                (3, "junior", "20120901"), (4, "junior", "20120901")):
        make_enrolled_student(school, make_id_number(born=born, serial=serial), f"学生{serial}", stage=stage)
    db.session.commit()
    return school


def names_table(response) -> list[list[str]]:
    table = response.get_data(as_text=True).split('id="project-names"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("<tr>")[1:]
    return [page_text_of(row) for row in rows]


def page_text_of(html: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in html.split("<td>")[1:]]


def test_a_list_may_use_the_annex_names_or_the_former_ones(client, login_as, world, nine_year_school):
    """The catalogue as an old install has it (former names, not yet re-seeded) and a file of both kinds."""
    make_funding_project("义务教育家庭经济困难学生生活补助", "primary", owner_region=world.province, standards="1000,500")
    make_funding_project("义务教育家庭经济困难学生生活补助", "junior", owner_region=world.province, standards="1250,625")
    db.session.commit()
    login_as("school")
    school = nine_year_school
    preview = upload(client, school, xlsx([
        line(school, 1, "困难生生活补助", "20150901"),
        line(school, 2, "义务教育家庭经济困难学生生活补助", "20150901"),
        line(school, 3, "困难生生活补助", "20120901", amount=625, standard=1250),
        line(school, 4, " 困难生 生活补助", "20120901", amount=625, standard=1250),
    ]))
    text = page_text(preview)
    assert "可导入 4 条" in text and "错误 0 处" in text
    assert names_table(preview) == [
        ["困难生生活补助", "义务教育家庭经济困难学生生活补助（小学）", "名称与目录不同，按同一项目导入"],
        ["困难生生活补助", "义务教育家庭经济困难学生生活补助（初中）", "名称与目录不同，按同一项目导入"],
        ["义务教育家庭经济困难学生生活补助", "义务教育家庭经济困难学生生活补助（小学）", ""],
        ["困难生 生活补助", "义务教育家庭经济困难学生生活补助（初中）", "名称与目录不同，按同一项目导入"],
    ]


def test_after_the_seed_the_former_names_still_import(client, login_as, world, nine_year_school, old_install):
    seed_national_projects(Actor.command_line(), "320000")
    db.session.commit()
    login_as("school")
    school = nine_year_school
    preview = upload(client, school, xlsx([line(school, 1, "义务教育家庭经济困难学生生活补助", "20150901"),
                                           line(school, 2, "困难生生活补助", "20150901")]))
    assert "可导入 2 条" in page_text(preview) and "错误 0 处" in page_text(preview)
    assert [row[:2] for row in names_table(preview)] == [
        ["义务教育家庭经济困难学生生活补助", "困难生生活补助（小学）"], ["困难生生活补助", "困难生生活补助（小学）"]]
    token = preview.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
    done = client.post(f"/funding/schools/{school.id}/import/confirm?period=2026-autumn",
                       data={"token": token, "mode": "replace"})
    assert done.status_code == 303
    projects = set(db.session.scalars(select(FundingRecord.project_id).where(FundingRecord.school_id == school.id)))
    assert projects == {old_install["小学补助"].id}


def test_a_synonym_that_does_not_serve_the_stage_is_refused_as_before(client, login_as, world, nine_year_school):
    seed_national_projects(Actor.command_line(), "320000")
    db.session.commit()
    login_as("school")
    school = nine_year_school
    preview = upload(client, school, xlsx([line(school, 1, "免学费", "20150901")]))
    assert "资助项目“免学费”不适用于该生所在学段（小学），适用学段：中职" in page_text(preview)


def test_a_new_project_may_not_take_a_synonym_of_one_its_schools_already_use(client, login_as, world):
    seed_national_projects(Actor.command_line(), "320000")
    db.session.commit()
    login_as("county")
    refused = client.post("/funding/projects/new", data={
        "name": "义务教育家庭经济困难学生生活补助", "level": "local", "stages": ["primary"], "period_type": "term",
        "standards": ["500"], "standard_per": "year"})
    assert refused.status_code == 422
    assert "已有同名项目“困难生生活补助”（国家，小学）适用于相同学段" in page_text(refused)
    fine = client.post("/funding/projects/new", data={
        "name": "学前教育资助", "level": "local", "stages": ["preschool"], "period_type": "term",
        "standards": ["500"], "standard_per": "year"})
    assert fine.status_code == 303  # 学前教育资助 is a local project now, free to set up
