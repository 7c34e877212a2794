"""The demo base library (deterministic people, written as current batches) and the sample files."""
import glob
import os
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import sheets
from portal.audit.services import Actor
from portal.extensions import db
from portal.idcard import validate
from portal.library import importer
from portal.library.columns import columns_for
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.protect import protector
from portal.vocab import Category
from seed.library_demo import demo_people, school_age_share, seed_library
from seed.samples import make_samples

SAMPLES = os.path.dirname(make_samples.__file__)


def test_demo_people_are_deterministic_valid_and_realistic():
    people = list(demo_people(20_000))
    assert people[:500] == list(demo_people(500))  # a prefix never changes
    assert len({person.id_number for person in people}) == len(people)
    assert all(validate(person.id_number) == person.id_number for person in people)
    shares = Counter(person.categories[0] for person in people)
    assert 0.42 < shares[Category.POVERTY] / len(people) < 0.48 and 0.27 < shares[Category.DIBAO] / len(people) < 0.33
    assert shares[Category.ORPHAN] and shares[Category.OUT_OF_PROVINCE] and shares[Category.TEKUN]
    assert 0.04 < sum(len(person.categories) > 1 for person in people) / len(people) < 0.12
    assert 0.04 < sum(not person.id_number.startswith("32") for person in people) / len(people) < 0.12
    assert 0.35 < school_age_share(people, date(2026, 9, 1)) < 0.6


def test_seed_writes_each_category_as_a_current_batch(app, world):
    created = seed_library(3_000)
    batches = db.session.scalars(select(LibraryBatch).where(LibraryBatch.status == BatchStatus.CURRENT)).all()
    assert {batch.category for batch in batches} == {category.value for category in Category}
    assert sum(batch.records for batch in batches) == db.session.scalar(select(func.count()).select_from(LibraryRecord))
    assert created["library_people"] == 3_000
    poverty = next(batch for batch in batches if batch.category == "poverty")
    assert poverty.department == "poverty" and poverty.records == created["poverty"]
    first = next(demo_people(1))
    found = db.session.scalars(select(LibraryRecord).where(LibraryRecord.id_hash == protector().digest(first.id_number)))
    assert sorted(record.category for record in found) == sorted(category.value for category in first.categories)


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(SAMPLES, "基础信息库_*.xlsx"))),
                         ids=os.path.basename)
def test_sample_files_read_as_their_category(path):
    category = Category.by_label()[os.path.basename(path).split("_")[1]]
    found = sheets.read_sheet(path, path, columns_for(category))
    if "含错误" in path:
        assert found.rows_refused == 5 and len(found.rows) == 35  # the duplicate is refused by the import
    else:
        assert not found.errors and 190 <= len(found.rows) <= 200


def test_a_sample_imports_over_the_demo_library_with_a_diff(app, world):
    seed_library(12_000)
    path = os.path.join(SAMPLES, "基础信息库_建档立卡_扶贫.xlsx")
    found = importer.preview(Actor.command_line(), Category.POVERTY, path, "基础信息库_建档立卡_扶贫.xlsx")
    assert found.ok and found.batch.added == 20 and found.batch.changed == 6 and found.batch.removed > 5_000


def test_demo_push_down_people_carry_hardship_types(app, world):
    seed_library(3_000)
    types = list(db.session.scalars(select(LibraryRecord.hardship_types)
                                    .where(LibraryRecord.category == Category.OUT_OF_PROVINCE.value)))
    assert types and all(types)  # every 外省下发 person is of one or more of the five types
    assert {code for held in types for code in held.split(",")} <= {"poverty", "dibao", "tekun", "orphan", "disabled"}
    assert Counter(types).most_common(1)[0][0] == "poverty"
    assert not db.session.scalar(select(func.count()).where(LibraryRecord.category != "out_of_province",
                                                            LibraryRecord.hardship_types.is_not(None)))
