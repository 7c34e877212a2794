"""What the enrolment services share: their error, the rule that only the current term is open for writing,
a school's current upload of a term, and the name comparison behind the 姓名不一致 flag."""
import unicodedata
from datetime import date

from sqlalchemy import select

from portal.enrolment.models import EnrolmentUpload, UploadStatus
from portal.errors import DomainError
from portal.extensions import db
from portal.terms import Term, TermError, current_term, parse_term


class EnrolmentError(DomainError):
    """A refusal with a Chinese message for the user; nothing was written."""


def term_from(text: str) -> Term:
    try:
        return parse_term(text)
    except TermError as refusal:
        raise EnrolmentError(str(refusal)) from None


def ensure_term_open(term: Term | str, today: date | None = None) -> Term:
    """A term is open for uploads and library changes while it is the current term; earlier ones are read-only."""
    term = term if isinstance(term, Term) else term_from(term)
    current = current_term(today)
    if term.order_key < current.order_key:
        raise EnrolmentError(f"{term.label}学期已结束，数据只能查看，不能再上传或修改（当前学期为{current.label}）")
    if term.order_key > current.order_key:
        raise EnrolmentError(f"{term.label}学期尚未开始，当前学期为{current.label}")
    return term


def is_open(term: Term, today: date | None = None) -> bool:
    return term == current_term(today)


def current_upload(school_id: int, term: Term) -> EnrolmentUpload | None:
    return db.session.scalar(select(EnrolmentUpload).where(
        EnrolmentUpload.school_id == school_id, EnrolmentUpload.term == term.code,
        EnrolmentUpload.status == UploadStatus.CURRENT))


def same_name(first: str | None, second: str | None) -> bool:
    """Names compared as people read them: spaces of any width and full-width letters do not count."""
    return _name_key(first) == _name_key(second)


def _name_key(name: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()
