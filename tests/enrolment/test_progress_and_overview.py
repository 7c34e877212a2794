"""SchoolProgress figures kept by every write, bulk import and the province re-match. (The upper tiers read the
figures through portal.oversight: tests/oversight.)"""
from datetime import datetime
from sqlalchemy import func, select

from enrolment_helpers import HEADER, student_row, xlsx_file
from factories import make_id_number, make_library_person, page_text
from portal.audit.services import Actor
from portal.enrolment import upload
from portal.enrolment.models import EnrolmentUpload, MatchingRun
from portal.extensions import db
from portal.progress.models import SchoolProgress
from portal.progress.services import progress_of, refresh_progress
from portal.terms import current_term
from portal.vocab import Category


def import_for(school, rows):
    done = upload.import_file(Actor.command_line(), xlsx_file(rows), "学籍.xlsx", current_term(), school)
    db.session.commit()
    return done


def test_refresh_progress_counts_once_per_student_and_resets_schools_without_data(app, world):
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    make_library_person(make_id_number(serial=1), "学生1", Category.ORPHAN)
    make_library_person(make_id_number(serial=2, region="340104"), "学生2", Category.OUT_OF_PROVINCE)
    db.session.commit()
    import_for(world.xuanwu_school, [student_row(1), student_row(2, id_number=make_id_number(serial=2, region="340104")),
                                     student_row(3)])
    figures = progress_of(world.xuanwu_school.id, current_term().code)
    assert (figures.students, figures.hardship, figures.poverty, figures.orphan, figures.out_of_province) == (3, 2, 1, 1, 1)
    assert figures.uploaded_at
    assert figures.county_code == world.xuanwu.code
    refresh_progress(None, current_term().code)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SchoolProgress)) == 6  # a row for every school
    assert progress_of(world.xishan_school.id, current_term().code).students == 0


def test_bulk_import_splits_one_file_by_school(app, world, tmp_path):
    make_library_person(make_id_number(serial=2), "学生2", Category.TEKUN)
    db.session.commit()
    import_for(world.xuanwu_school, [student_row(9)])
    rows = [student_row(1) + [world.xuanwu_school.code], student_row(2) + [world.qinhuai_school.code],
            student_row(3) + [world.qinhuai_school.code]]
    path = tmp_path / "全省学籍.xlsx"
    path.write_bytes(xlsx_file(rows, header=HEADER + ["学校标识码"]))
    result = app.test_cli_runner().invoke(args=["import-enrolment", "--term", current_term().label, str(path)])
    assert result.exit_code == 0, result.output
    assert "2 所学校的 3 名学生" in result.output and "比对出 1 人" in result.output
    current = dict(db.session.execute(select(EnrolmentUpload.school_id, EnrolmentUpload.students)
                                      .where(EnrolmentUpload.status == "current")).all())
    assert current == {world.xuanwu_school.id: 1, world.qinhuai_school.id: 2}
    assert progress_of(world.qinhuai_school.id, current_term().code).tekun == 1


def test_bulk_import_refuses_unknown_school_codes_per_row(app, world, tmp_path):
    rows = [student_row(1) + [world.xuanwu_school.code], student_row(2) + ["9999999999"], student_row(3) + [""]]
    path = tmp_path / "学籍.xlsx"
    path.write_bytes(xlsx_file(rows, header=HEADER + ["学校标识码"]))
    result = app.test_cli_runner().invoke(args=["import-enrolment", "--term", current_term().label, str(path)])
    assert result.exit_code != 0
    assert "第 3 行 学校标识码：学校标识码 9999999999 不存在" in result.output and "第 4 行 学校标识码" in result.output
    assert db.session.scalar(select(func.count()).select_from(EnrolmentUpload)) == 0
    no_column = tmp_path / "无标识码.xlsx"
    no_column.write_bytes(xlsx_file([student_row(1)]))
    refused = app.test_cli_runner().invoke(args=["import-enrolment", "--term", current_term().label, str(no_column)])
    assert "需要“学校标识码”列" in refused.output


def test_single_school_command(app, world, tmp_path):
    path = tmp_path / "学籍.xlsx"
    path.write_bytes(xlsx_file([student_row(1)]))
    result = app.test_cli_runner().invoke(args=["import-enrolment", "--school", world.xishan_school.code,
                                                "--term", current_term().label, str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 1 所学校的 1 名学生" in result.output
    assert progress_of(world.xishan_school.id, current_term().code).students == 1


def test_province_rematch_page_runs_and_reports(client, login_as, world):
    make_library_person(make_id_number(serial=1), "学生1", Category.POVERTY)
    db.session.commit()
    import_for(world.xuanwu_school, [student_row(1), student_row(2)])
    make_library_person(make_id_number(serial=2), "学生2", Category.DIBAO)
    db.session.commit()
    login_as("province")
    page = page_text(client.get("/enrolment/matching"))
    assert "基础信息库在上次比对后有更新" in page and "尚未进行" in page
    status = client.post("/enrolment/matching", headers={"HX-Request": "true"})
    text = page_text(status)
    assert "已完成" in text and "特殊困难学生 2 人：新增 1，移出 0，类别变化 0" in text
    assert "基础信息库在上次比对后有更新" not in text
    assert "hx-trigger" not in status.text  # done: the fragment stops polling


def test_a_running_rematch_polls_itself(client, login_as, world):
    """While the worker has the re-match job, the page polls the job row (no guess from the clock)."""
    from portal.jobs.models import Job

    user = login_as("province")
    db.session.add(Job(kind="rematch", status="running", params="{}", user_id=user.id, actor_name=user.username,
                       done=1, total=2, message="正在更新各校进度…", started_at=datetime.now()))
    db.session.commit()
    fragment = client.get("/enrolment/matching/status")
    assert 'hx-trigger="load delay:1s"' in fragment.text and "比对中" in page_text(fragment)
    assert '<progress class="job-bar" max="2" value="1">' in fragment.text and "正在更新各校进度" in page_text(fragment)
    refused = client.post("/enrolment/matching", headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "正在进行中" in page_text(refused)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_rematch_command(app, world):
    import_for(world.xuanwu_school, [student_row(1)])
    make_library_person(make_id_number(serial=1), "学生1", Category.ORPHAN)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rematch"])
    assert result.exit_code == 0 and "比对出 1 人（新增 1" in result.output
