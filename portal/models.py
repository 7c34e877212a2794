"""Every table of the portal, imported in one place so that migrations and tests see the whole schema."""
from portal.accounts.models import User  # noqa: F401
from portal.audit.models import AuditEntry  # noqa: F401
from portal.deadlines.models import Deadline  # noqa: F401
from portal.enrolment.models import EnrolmentStudent, EnrolmentUpload, HardshipCategory, HardshipStudent  # noqa: F401
from portal.enrolment.models import MatchingHit, MatchingRun, MatchingStudent  # noqa: F401
from portal.funding.models import FiscalAllocation, FundingImport, FundingProject, FundingRecord  # noqa: F401
from portal.jobs.models import Job  # noqa: F401
from portal.library.models import LibraryBatch, LibraryRecord  # noqa: F401
from portal.org.models import Region, School  # noqa: F401
from portal.oversight.models import Circular  # noqa: F401
from portal.progress.models import ProgressSnapshot, ReasonsProgress, SchoolProgress  # noqa: F401
from portal.reasons.models import ReasonOption, UnfundedReason  # noqa: F401
from portal.review.models import PeriodSubmission  # noqa: F401
from portal.notices.models import NoticeRecord, NoticeSchoolSettings, NoticeTemplate  # noqa: F401

# Every column holding a value encrypted by portal/protect.py. `flask rotate-key` re-encrypts exactly these, and
# tests/test_keys.py fails while any *_cipher column of the schema is missing here: a new one is ONE line.
ENCRYPTED_COLUMNS = (
    LibraryRecord.id_cipher,
    LibraryRecord.disability_cert_cipher,
    EnrolmentStudent.id_cipher,
    HardshipStudent.id_cipher,
    FundingRecord.id_cipher,
    FundingRecord.card_cipher,
    User.totp_cipher,
)
