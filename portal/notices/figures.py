"""The notices' figure for SchoolProgress (see portal.progress.services): counted library students of the
term whose family was told at least once."""
from sqlalchemy import Select, and_, select

from portal.bulk import count_where
from portal.enrolment.models import HardshipStudent
from portal.notices.models import NoticeRecord

NOTICE_DEFAULTS = {"notified": 0}


def notice_figures(school_ids: Select, term: str) -> Select:
    told = select(NoticeRecord.id).where(NoticeRecord.student_id == HardshipStudent.id).exists()
    notified = count_where(and_(HardshipStudent.counted(), told))
    return (select(HardshipStudent.school_id, notified.label("notified"))
            .where(HardshipStudent.school_id.in_(school_ids), HardshipStudent.term == term)
            .group_by(HardshipStudent.school_id))
