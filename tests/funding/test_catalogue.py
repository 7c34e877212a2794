"""The project catalogue: national projects by the province, local ones by a region for its own scope,
school and social ones by a school for itself; listing is scoped; only the definer may deactivate."""
from sqlalchemy import select

from factories import make_funding_project, page_text
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.funding.models import FundingProject
from portal.funding.national import NATIONAL_PROJECTS, seed_national_projects
from portal.audit.services import Actor


def create(client, **form):
    values = {"name": "测试项目", "level": "local", "stages": ["primary"], "period_type": "term",
              "standards": ["800", "400", ""], "standard_per": "year", "note": ""}
    values.update(form)
    return client.post("/funding/projects/new", data=values)


def test_province_sets_up_a_national_project(client, login_as, world):
    login_as("province")
    done = create(client, name="国家助学金", level="national", stages=["senior", "vocational"],
                  standards=["2,800", "2300", "1800"])
    assert done.status_code == 303
    project = db.session.scalar(select(FundingProject))
    assert (project.level, project.stages, project.standards, project.owner_region_code) == \
        ("national", "senior,vocational", "2800,2300,1800", "320000")
    assert "每生每年 2,800/2,300/1,800 元" in page_text(client.get("/funding/projects"))
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action != "login")) == "create_project"


def test_a_county_may_only_set_up_local_projects(client, login_as, world):
    login_as("county")
    refused = create(client, level="national")
    assert refused.status_code == 422 and "您可以设立的项目类别：地方政府" in page_text(refused)
    assert create(client, name="玄武区助学金").status_code == 303
    assert db.session.scalar(select(FundingProject.owner_region_code)) == "320102"


def test_a_school_sets_up_its_own_projects_for_its_own_stages(client, login_as, world):
    login_as("school")
    funding_page = client.get("/funding/").get_data(as_text=True)  # the nav's 资助名单
    assert 'href="/funding/projects"' in funding_page and "资助项目目录" in funding_page
    catalogue = page_text(client.get("/funding/projects"))
    assert "设立资助项目" in catalogue
    form = client.get("/funding/projects/new").get_data(as_text=True)
    assert 'value="school"' in form and 'value="social"' in form
    assert 'value="local"' not in form and 'value="national"' not in form
    refused = create(client, level="school", stages=["senior"])
    assert refused.status_code == 422 and "本校开设的学段" in page_text(refused)
    assert create(client, name="校长奖学金", level="school").status_code == 303
    assert db.session.scalar(select(FundingProject.owner_school_id)) == world.xuanwu_school.id
    assert "校长奖学金" in page_text(client.get("/funding/projects"))


def test_a_name_clash_for_the_same_stage_is_refused(client, login_as, world):
    make_funding_project("爱心助学金", "primary", level="local", owner_region=world.nanjing)
    db.session.commit()
    login_as("county")
    refused = create(client, name="爱心助学金")
    assert refused.status_code == 422 and "已有同名项目" in page_text(refused)
    assert create(client, name="爱心助学金", stages=["preschool"]).status_code == 303


def test_listing_is_scoped(client, login_as, world):
    make_funding_project("国家助学金", "senior", owner_region=world.province)
    make_funding_project("南京市助学金", level="local", owner_region=world.nanjing)
    make_funding_project("无锡市助学金", level="local", owner_region=world.wuxi)
    make_funding_project("锡山一小奖学金", level="school", owner_school=world.xishan_school)
    make_funding_project("玄武一小奖学金", level="school", owner_school=world.xuanwu_school)
    make_funding_project("玄武二小奖学金", level="school", owner_school=world.xuanwu_school_2)
    db.session.commit()
    login_as("school")
    text = page_text(client.get("/funding/projects"))
    assert "国家助学金" in text and "南京市助学金" in text and "玄武一小奖学金" in text
    assert "无锡市助学金" not in text and "锡山一小奖学金" not in text and "玄武二小奖学金" not in text
    client.post("/logout")
    login_as("county")
    text = page_text(client.get("/funding/projects?level=school", headers={"HX-Request": "true"}))
    assert "玄武一小奖学金" in text and "玄武二小奖学金" in text and "锡山一小奖学金" not in text
    assert "国家助学金" not in text


def test_only_the_definer_deactivates(client, login_as, world):
    national = make_funding_project("国家奖学金", "undergraduate", owner_region=world.province)
    local = make_funding_project("玄武区助学金", level="local", owner_region=world.xuanwu)
    db.session.commit()
    login_as("county")
    assert client.post(f"/funding/projects/{national.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"/funding/projects/{local.id}/active", data={"active": "0"}).status_code == 303
    db.session.expire_all()
    assert national.active and not local.active
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "deactivate_project"


def test_national_projects_of_every_stage_are_seeded_once(app, world):
    assert seed_national_projects(Actor.command_line(), "320000").added == len(NATIONAL_PROJECTS)
    assert seed_national_projects(Actor.command_line(), "320000").added == 0
    stages = set()
    for project in db.session.scalars(select(FundingProject)):
        stages.update(project.stages.split(","))
    # 学前 has no national module (003 annex 6): its aid is local-government, school or social
    assert stages == {"primary", "junior", "senior", "vocational", "undergraduate", "graduate"}


def test_seed_national_projects_command(app, world):
    result = app.test_cli_runner().invoke(args=["seed-national-projects"])
    assert result.exit_code == 0 and f"新增国家资助项目 {len(NATIONAL_PROJECTS)} 个" in result.output
