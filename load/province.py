"""The province the crowd works in: one county of CROWD_SCHOOLS primary schools, each with a school account, its
enrolment and its library students (none funded, so each needs a reason), plus schools of other counties and
library people enrolled nowhere, so the tables are not tiny. Written set-based (Core executemany), in the database
the servers will use, after `db upgrade` and the reference data every install seeds."""
import itertools
from datetime import date, datetime, timedelta

CROWD_COUNTY = "320102"
OTHER_COUNTIES = [f"3201{n:02d}" for n in range(3, 12)]
CROWD_SCHOOLS = 200
OTHER_SCHOOLS_PER_COUNTY = 20
ENROLLED_PER_SCHOOL = 100
LIBRARY_STUDENTS_PER_SCHOOL = 12  # every one unfunded: each needs a reason before the school may submit
UNENROLLED_PEOPLE = 40_000
PASSWORD = "Load-2026-crowd!x"
TOTP_SECRET = "JBSWY3DPEHPK3PXPLOADJBSWY3DPEHPK"


def _id_number(person: int) -> str:
    from portal.idcard import check_digit

    born = date(2012, 1, 1) + timedelta(days=person // 999)
    first17 = f"{CROWD_COUNTY}{born:%Y%m%d}{person % 999 + 1:03d}"
    return first17 + check_digit(first17)


def seed(term: str) -> dict:
    """Everything the crowd needs; returns {"schools": {username: school_id}, "county": username,
    "probe": username}."""
    from sqlalchemy import insert, select

    from portal import idcard
    from portal.accounts.passwords import hash_password
    from portal.audit.services import Actor
    from portal.deadlines.cli import seed_reference_data
    from portal.deadlines.models import Deadline
    from portal.extensions import db
    from portal.progress.services import refresh_progress
    from portal.protect import protector

    tables = db.metadata.tables
    seed_reference_data(Actor.command_line())
    today = date.today()
    # a deadline day: the term's unfunded reasons are due today (the school's row of the calendar)
    db.session.execute(Deadline.__table__.update().where(
        Deadline.module == "poverty", Deadline.task == "unfunded_report", Deadline.cycle == term.rsplit("-", 1)[1],
        Deadline.party == "school").values(month=today.month, day=today.day))

    regions = [{"code": "320000", "name": "江苏省", "level": "province", "parent_code": None},
               {"code": "320100", "name": "南京市", "level": "city", "parent_code": "320000"}]
    regions += [{"code": code, "name": f"区县{code}", "level": "county", "parent_code": "320100"}
                for code in [CROWD_COUNTY, *OTHER_COUNTIES]]
    db.session.execute(insert(tables["region"]), regions)
    places = [CROWD_COUNTY] * CROWD_SCHOOLS + [c for c in OTHER_COUNTIES for _ in range(OTHER_SCHOOLS_PER_COUNTY)]
    db.session.execute(insert(tables["school"]), [
        {"code": f"31{n:08d}", "name": f"压测小学{n}", "region_code": county, "city_code": "320100",
         "county_code": county, "stages": "primary", "ownership": "public", "active": True}
        for n, county in enumerate(places, start=1)])
    school_ids = dict(db.session.execute(select(tables["school"].c.code, tables["school"].c.id)).all())
    schools = [(school_ids[f"31{n:08d}"], county) for n, county in enumerate(places, start=1)]

    now = datetime.now()
    db.session.execute(insert(tables["enrolment_upload"]), [
        {"school_id": school_id, "term": term, "status": "current", "filename": "学籍.xlsx",
         "uploaded_by_name": "压测", "created_at": now, "confirmed_at": now, "rows_read": ENROLLED_PER_SCHOOL,
         "students": ENROLLED_PER_SCHOOL} for school_id, _ in schools])
    uploads = dict(db.session.execute(select(tables["enrolment_upload"].c.school_id, tables["enrolment_upload"].c.id)).all())

    key = protector()
    person = itertools.count(1)
    enrolled, hardship, library = [], [], []
    for school_id, county in schools:
        for row in range(1, ENROLLED_PER_SCHOOL + 1):
            p = next(person)
            number = _id_number(p)
            student = {"school_id": school_id, "term": term, "name": f"学生{p}", "gender": "M" if p % 2 else "F",
                       "id_hash": key.digest(number), "id_cipher": key.encrypt(number), "id_masked": idcard.mask(number),
                       "region_prefix": county, "birth_year": int(number[6:10]), "stage": "primary",
                       "grade": "三年级", "class_name": f"三年级（{row % 4 + 1}）班", "hukou_code": None,
                       "student_no": f"G{p}"}
            enrolled.append({**student, "upload_id": uploads[school_id], "entry_month": "2024-09", "row_number": row + 1})
            if row <= LIBRARY_STUDENTS_PER_SCHOOL:
                hardship.append({**student, "source": "matched", "categories": "dibao", "active": True,
                                 "out_of_province": False, "duplicate": False, "name_mismatch": False,
                                 "created_at": now, "matched_at": now})
                library.append(student)
    db.session.execute(insert(tables["enrolment_student"]), enrolled)
    db.session.execute(insert(tables["hardship_student"]), hardship)
    db.session.execute(insert(tables["library_batch"]), [{
        "category": "dibao", "status": "current", "filename": "低保.xlsx", "uploaded_by_name": "压测",
        "created_at": now, "confirmed_at": now, "rows_read": len(library) + UNENROLLED_PEOPLE,
        "records": len(library) + UNENROLLED_PEOPLE}])
    batch = db.session.scalar(select(tables["library_batch"].c.id))
    for _ in range(UNENROLLED_PEOPLE):
        p = next(person)
        number = _id_number(p)
        library.append({"name": f"人员{p}", "gender": "M" if p % 2 else "F", "id_hash": key.digest(number),
                        "id_cipher": key.encrypt(number), "id_masked": idcard.mask(number),
                        "region_prefix": CROWD_COUNTY, "birth_year": int(number[6:10]), "hukou_code": None})
    columns = ("name", "gender", "id_hash", "id_cipher", "id_masked", "region_prefix", "birth_year", "hukou_code")
    db.session.execute(insert(tables["library_record"]), [
        {**{name: each[name] for name in columns}, "batch_id": batch, "category": "dibao", "row_number": n + 2}
        for n, each in enumerate(library)])

    password = hash_password(PASSWORD)
    crowd = [school_id for school_id, county in schools if county == CROWD_COUNTY]
    users = [{"username": f"load-school-{n:03d}", "display_name": f"学校用户{n}", "password_hash": password,
              "role": "school", "school_id": school_id, "region_code": None, "active": True,
              "must_change_password": False, "password_changed_at": now, "totp_cipher": None,
              "totp_enabled_at": None}
             for n, school_id in enumerate(crowd, start=1)]
    users.append({**users[0], "username": "load-probe", "display_name": "探测用户"})
    users.append({"username": "load-county", "display_name": "县级审核", "password_hash": password, "role": "county",
                  "school_id": None, "region_code": CROWD_COUNTY, "active": True, "must_change_password": False,
                  "password_changed_at": now, "totp_cipher": key.encrypt(TOTP_SECRET), "totp_enabled_at": now})
    db.session.execute(insert(tables["user_account"]), users)
    refresh_progress(None, term)
    db.session.commit()
    return {"schools": {user["username"]: user["school_id"] for user in users[:CROWD_SCHOOLS]},
            "county": "load-county", "probe": "load-probe"}
