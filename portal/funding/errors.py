"""The funding area's refusal: a Chinese message for the user; nothing was written."""
from portal.errors import DomainError


class FundingError(DomainError):
    """A refusal with a Chinese message for the user."""
