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
from portal.progress.models import SchoolProgress  # noqa: F401
from portal.reasons.models import ReasonOption, UnfundedReason  # noqa: F401
from portal.review.models import PeriodSubmission  # noqa: F401
