"""The one refusal every service raises: DomainError(message), a Chinese message for the user, nothing written;
NotFound when what was asked for is not there (or not the user's to see). Views turn them into a page or
fragment through portal.web.saving(); each domain's own error (FundingError, ReviewError …) is a DomainError."""


class DomainError(Exception):
    """A refusal with a Chinese message for the user (str(error)); the transaction it happened in is rolled back."""


class NotFound(DomainError):
    """What was asked for does not exist for this user: the view answers 404."""
