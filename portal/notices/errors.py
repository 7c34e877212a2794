"""The notices area's refusal: a Chinese message for the user."""
from portal.errors import DomainError


class NoticeError(DomainError, ValueError):
    """A refusal with a message in Chinese for the user."""
