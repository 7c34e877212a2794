"""The demo base library: about 200,000 people across the six categories in realistic shares, deterministic.

demo_people() is a pure function of its arguments (the same people, IDs and categories every time, and
demo_people(n) is the first n of any longer list), so other demos and tests can pick people from it
without reading the database. seed_library() writes them as each category's current batch."""
import csv
import os
import random
import zlib
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import insert, text

from portal.extensions import db
from portal.idcard import check_digit
from portal.library.importer import ROW_COLUMNS
from portal.library.models import BatchStatus, LibraryBatch
from portal.library.writer import RecordWriter
from portal.protect import protector
from portal.vocab import (DEPARTMENT_CATEGORIES, Category, DibaoType, DisabilityGrade, DisabilityType,
                          PovertyStatus)

DATA = os.path.join(os.path.dirname(__file__), "data")
PEOPLE = 200_000
SEED = 20260301
BASE_YEAR = 2026  # birth years are spread relative to this year, not today's, so the demo never changes
SHARES = ((Category.POVERTY, 45), (Category.DIBAO, 30), (Category.TEKUN, 5), (Category.ORPHAN, 2),
          (Category.DISABLED, 15), (Category.OUT_OF_PROVINCE, 3))
# Someone in one category is often in another too: (first, second, share of the first's people).
SECOND_CATEGORY = {Category.POVERTY: (Category.DIBAO, 0.08), Category.DIBAO: (Category.DISABLED, 0.10),
                   Category.TEKUN: (Category.DISABLED, 0.15), Category.ORPHAN: (Category.DIBAO, 0.20)}
# (share born in school age 3–22 in BASE_YEAR, oldest birth year, youngest birth year) per category.
AGES = {Category.POVERTY: (0.55, 1940, 2023), Category.DIBAO: (0.45, 1940, 2023), Category.TEKUN: (0.10, 1935, 2015),
        Category.ORPHAN: (1.0, 2004, 2023), Category.DISABLED: (0.30, 1945, 2022),
        Category.OUT_OF_PROVINCE: (1.0, 2004, 2020)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕飞鹏辉志浩宇轩子涵欣怡梓晨思雨佳琪博文诗"
OTHER_PROVINCES = ("34", "41", "37", "51", "42", "43", "36", "52", "45", "13")  # where out-of-province IDs come from
SOURCE_UPLOADER = {Category.POVERTY: "fupin", Category.DIBAO: "minzheng", Category.TEKUN: "minzheng",
                   Category.ORPHAN: "minzheng", Category.DISABLED: "canlian", Category.OUT_OF_PROVINCE: "sheng"}


@dataclass(frozen=True)
class DemoPerson:
    id_number: str
    name: str
    hukou_code: str | None
    categories: tuple[Category, ...]
    details: dict[str, dict] = field(default_factory=dict, compare=False)  # category code → its detail columns


def _division_codes() -> tuple[list[str], list[str], dict[str, list[str]], dict[str, str]]:
    """(today's Jiangsu counties, Jiangsu counties abolished since, other provinces' counties, province names)."""
    with open(os.path.join(DATA, "jiangsu_regions.csv"), encoding="utf-8") as handle:
        current = [row["区划代码"] for row in csv.DictReader(handle) if not row["区划代码"].endswith("00")]
    with open(os.path.join(DATA, "county_codes.csv"), encoding="utf-8") as handle:
        national = [row["区划代码"] for row in csv.DictReader(handle) if not row["区划代码"].endswith("00")]
    with open(os.path.join(DATA, "provinces.csv"), encoding="utf-8") as handle:
        provinces = {row["代码"]: row["名称"] for row in csv.DictReader(handle)}
    known = set(current)
    abolished = [code for code in national if code.startswith("32") and code not in known and code[4:] != "01"]
    elsewhere = {prefix: [code for code in national if code.startswith(prefix) and code[4:] != "01"]
                 for prefix in OTHER_PROVINCES}
    return current, abolished, elsewhere, provinces


def demo_people(count: int = PEOPLE, seed: int = SEED) -> Iterator[DemoPerson]:
    """The demo library's people, one by one, always the same (each person's draws depend only on the ones before)."""
    current, abolished, elsewhere, provinces = _division_codes()
    known = set(current)
    draw = random.Random(seed).random  # one stream of draws; int(draw() * n) picks among n
    categories = [category for category, _ in SHARES]
    total = sum(share for _, share in SHARES)
    thresholds = [sum(share for _, share in SHARES[:end]) / total for end in range(1, len(SHARES) + 1)]
    serials: dict[tuple[str, str], int] = {}
    for _ in range(count):
        pick = draw()
        category = categories[bisect(thresholds, pick)]
        if category is Category.OUT_OF_PROVINCE or draw() < 0.04:
            places = elsewhere[OTHER_PROVINCES[int(draw() * len(OTHER_PROVINCES))]]
        else:
            places = abolished if draw() < 0.03 else current
        region = places[int(draw() * len(places))]
        born = _birth_date(draw, category)
        key = (region, born)
        serial = serials[key] = serials.get(key, -1) + 1
        first17 = f"{region}{born}{serial * 2 + (draw() < 0.5):03d}"
        name = (SURNAMES[int(draw() * len(SURNAMES))] + GIVEN[int(draw() * len(GIVEN))]
                + (GIVEN[int(draw() * len(GIVEN))] if draw() < 0.7 else ""))
        if category is Category.OUT_OF_PROVINCE:
            hukou = None
        elif region in known:
            hukou = region if draw() < 0.75 else None
        else:  # first registered elsewhere or in a county merged since: today's hukou is a current county
            hukou = current[int(draw() * len(current))] if draw() < 0.85 else None
        held = (category,)
        second = SECOND_CATEGORY.get(category)
        if second and draw() < second[1]:
            held = (category, second[0])
        details = {held_category.value: _details(draw, held_category, provinces.get(region[:2], ""))
                   for held_category in held}
        number = first17 + check_digit(first17)
        if category is Category.OUT_OF_PROVINCE:
            details[category.value]["hardship_types"] = out_of_province_types(number)
        yield DemoPerson(number, name, hukou, held, details)


# A 外省下发 person's types, in about the shares of the province's own categories (one in ten has two). Drawn
# from the ID number, not from the stream, so that adding them left every other demo person as it was.
_TYPE_SHARES = [Category.POVERTY] * 45 + [Category.DIBAO] * 30 + [Category.TEKUN] * 5 + [Category.ORPHAN] * 5 + \
    [Category.DISABLED] * 15


def out_of_province_types(number: str) -> str:
    spread = zlib.crc32(number.encode())
    held = {_TYPE_SHARES[spread % 100]}
    if spread // 100 % 10 == 0:
        held.add(Category.DISABLED if Category.DIBAO in held else Category.DIBAO)
    return ",".join(category.value for category in Category if category in held)


def _birth_date(draw, category: Category) -> str:
    school_age, oldest, youngest = AGES[category]
    if draw() < school_age:
        first, last = max(oldest, BASE_YEAR - 22), min(youngest, BASE_YEAR - 3)
    else:
        first, last = oldest, min(youngest, BASE_YEAR - 23)
    year = first + int(draw() * (last - first + 1))
    return f"{year}{1 + int(draw() * 12):02d}{1 + int(draw() * 28):02d}"


_POVERTY_STATUSES = [PovertyStatus.NOT_LIFTED.value] * 6 + [PovertyStatus.LIFTED.value] * 90 + \
    [PovertyStatus.RETURNED.value] * 4
_DISABILITY_TYPES = [member.value for member in DisabilityType]
_DISABILITY_GRADES = [member.value for member in DisabilityGrade]


def _details(draw, category: Category, province_name: str) -> dict:
    if category is Category.POVERTY:
        return {"poverty_status": _POVERTY_STATUSES[int(draw() * 100)]}
    if category is Category.DIBAO:
        return {"dibao_type": DibaoType.URBAN.value if draw() < 0.35 else DibaoType.RURAL.value}
    if category is Category.DISABLED:
        return {"disability_type": _DISABILITY_TYPES[int(draw() * len(_DISABILITY_TYPES))],
                "disability_grade": _DISABILITY_GRADES[int(draw() * len(_DISABILITY_GRADES))]}
    if category is Category.OUT_OF_PROVINCE:
        return {"source_province": province_name}
    return {}


def _department(category: Category) -> str | None:
    return next((department for department, held in DEPARTMENT_CATEGORIES.items() if category in held), None)


def seed_library(count: int | None = None) -> dict[str, int]:
    """Each category's current batch, written in the session's transaction with bulk inserts.
    Tests seed a fiftieth of the people (config DEMO_LIBRARY_SCALE), the demo all of them."""
    if count is None:
        scale = current_app.config.get("DEMO_LIBRARY_SCALE", 0.02 if current_app.testing else 1.0)
        count = max(1, int(PEOPLE * scale))
    people = list(demo_people(count))
    keep = protector()
    digests = dict(zip((person.id_number for person in people),
                       keep.digest_many([person.id_number for person in people])))
    written = {}
    for category, _ in SHARES:
        members = [person for person in people if category in person.categories]
        batch_id = db.session.execute(insert(LibraryBatch).values(
            category=category.value, department=_department(category), status=BatchStatus.CURRENT,
            filename=f"{category.label}（演示数据）.xlsx", uploaded_by_name=SOURCE_UPLOADER[category],
            created_at=datetime.now(), confirmed_at=datetime.now(), rows_read=len(members), records=len(members),
            added=len(members), removed=0, changed=0)).inserted_primary_key[0]
        detail_keys = sorted({key for person in members for key in person.details[category.value]})
        writer = RecordWriter([*ROW_COLUMNS, *detail_keys], {"batch_id": batch_id, "category": category.value},
                              connection=db.session.connection())
        ciphers = keep.encrypt_many([person.id_number for person in members])
        for start in range(0, len(members), 10_000):
            part = members[start:start + 10_000]
            numbers = [person.id_number for person in part]
            writer.write([
                [digests[number] for number in numbers], ciphers[start:start + len(part)],
                numbers, [person.name for person in part], [person.hukou_code for person in part],
                list(range(start + 2, start + 2 + len(part))),
                *([person.details[category.value].get(key) for person in part] for key in detail_keys)])
        writer.finish()
        written[category.value] = len(members)
    if db.engine.dialect.name == "sqlite":  # statistics for the planner, as after an import (not committed here)
        db.session.execute(text("PRAGMA analysis_limit = 1000"))
    db.session.execute(text("ANALYZE library_record"))
    return {"library_people": len(people), **written}


def school_age_share(people: list[DemoPerson], today: date) -> float:
    """For checking the demo: the share of people aged 3 to 22 on `today`."""
    young = sum(1 for person in people if 3 <= _age(person.id_number, today) <= 22)
    return young / max(1, len(people))


def _age(number: str, today: date) -> int:
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
