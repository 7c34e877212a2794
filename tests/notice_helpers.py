"""A class of hardship students with names that never contain one another, and the text of a PDF's pages."""
import unicodedata
from io import BytesIO

from pypdf import PdfReader

from factories import make_funding_project, make_unfunded_student
from portal.extensions import db

SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施孔曹严华金魏陶姜谢邹喻柏窦章云苏潘葛奚范彭鲁韦昌马苗凤"
GIVEN = "桂栋楠柏杉梓"


_next_name = iter(range(10**6))


def class_names(count: int) -> list[str]:
    """Three-character names never made twice in a test run (surname × given name, 46 × 6 × 2 of them): none is
    inside another, so a page that shows one student's name shows no other's by accident."""
    found = []
    for _ in range(count):
        serial = next(_next_name) % (len(SURNAMES) * len(GIVEN) * 2)
        surname, rest = divmod(serial, len(GIVEN) * 2)
        found.append(f"{SURNAMES[surname]}{GIVEN[rest // 2]}{'岚' if rest % 2 else '峰'}")
    return found


def make_class(school, class_name: str, count: int, term: str = "2026-autumn", grade: str = "三年级",
               categories: str = "dibao"):
    students = []
    for name in class_names(count):
        student = make_unfunded_student(school, name, term=term, class_name=class_name, categories=categories)
        student.stage, student.grade = "primary", grade
        students.append(student)
    db.session.flush()
    return students


def make_primary_catalogue(province):
    return make_funding_project("义务教育家庭经济困难学生生活补助", "primary,junior", owner_region=province,
                                standards="1000,500", standard_per="year")


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text. pypdf reads fpdf2's ToUnicode map of a CFF font as UTF-16 code units, so a NUL comes
    before each character (poppler's pdftotext and viewers read it right): the NULs are dropped here. Chromium's
    PDF maps some glyphs to their Kangxi-radical code points (⽣ for 生): NFKC folds them back."""
    return [unicodedata.normalize("NFKC", page.extract_text().replace("\x00", ""))
            for page in PdfReader(BytesIO(content)).pages]
