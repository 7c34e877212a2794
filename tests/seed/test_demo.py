"""The demo province: Jiangsu's real regions, 2,000+ schools of every stage, deterministic, accounts that work."""
from sqlalchemy import distinct, func, select

from factories import page_text, sign_in
from portal.accounts.models import User
from portal.org.models import Region, School
from portal.extensions import db
from portal.vocab import RegionLevel, Stage
from seed import demo


def test_seed_builds_jiangsu_with_schools_of_every_stage_in_every_county(app):
    created = demo.seed_demo()
    assert created["schools"] >= 2000
    counties = db.session.scalar(select(func.count()).where(Region.level == RegionLevel.COUNTY.value))
    assert counties == 95 and db.session.get(Region, "320102").name == "玄武区"
    for stage in (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL):
        covered = db.session.scalar(select(func.count(distinct(School.county_code)))
                                    .where(School.stages.contains(stage.value)))
        assert covered == 95, stage
    assert db.session.scalar(select(func.count()).where(School.stages == Stage.UNDERGRADUATE.value)) > 0


def test_seed_is_deterministic(app):
    regions = demo.read_regions()
    assert demo.generate_schools(regions) == demo.generate_schools(regions)


def sign_in_demo(client, username: str):
    """The password Demo2026, then (bureau and department accounts) a code from the published demo secret."""
    user = db.session.scalar(select(User).where(User.username == username))
    return sign_in(client, user, demo.DEMO_PASSWORD, demo.DEMO_TOTP_SECRET)


def test_demo_accounts_log_in(app, client):
    demo.seed_demo()
    for username in ("sheng", "nanjing", "xuanwu", "xuexiao", "fupin"):
        sign_in_demo(client, username)
        assert client.get("/").status_code == 200
        client.post("/logout")
    sign_in_demo(client, "xuanwu")
    text = page_text(client.get("/org/schools"))
    assert "南京市玄武区第一小学" in text and "鼓楼区" not in text


def test_seed_command_skips_a_full_database(app):
    runner = app.test_cli_runner()
    assert "演示省已生成" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "跳过" in again.output and "xuanwu" in again.output
    assert "仅供演示" in again.output and demo.DEMO_PASSWORD in again.output and demo.DEMO_TOTP_SECRET in again.output


def test_demo_funds_most_library_students_and_leaves_some_unfunded(app, client):
    import re

    from portal.funding.models import FundingProject
    from portal.progress.models import SchoolProgress
    from portal.terms import current_term
    from portal.vocab import ProjectLevel

    demo.seed_demo()
    national = db.session.scalars(select(FundingProject.stages)
                                  .where(FundingProject.level == ProjectLevel.NATIONAL.value)).all()
    assert {stage for stages in national for stage in stages.split(",")} == {s.value for s in Stage} - {"preschool"}
    preschool = db.session.scalar(select(FundingProject).where(FundingProject.name == "学前教育资助"))
    assert preschool.level == ProjectLevel.LOCAL.value  # 003 annex 6: no national project for 学前
    hardship, funded, unfunded = db.session.execute(
        select(func.sum(SchoolProgress.hardship), func.sum(SchoolProgress.funded), func.sum(SchoolProgress.unfunded))
        .where(SchoolProgress.term == current_term().code)).one()
    assert funded + unfunded == hardship and 0.05 < unfunded / hardship < 0.25
    sign_in_demo(client, "xuexiao")
    text = page_text(client.get("/funding/"))  # the school's 资助名单
    library, paid, unpaid = (int(re.search(rf"(\d+) {label}", text).group(1))
                             for label in ("就学信息库学生", "本期已受助", "本期未受助"))
    assert library == paid + unpaid and paid > 0 and unpaid > 0
    client.post("/logout")
    sign_in_demo(client, "xuanwu")
    assert "南京市玄武区第一小学" in page_text(client.get("/funding/"))  # the county's schools, from progress
