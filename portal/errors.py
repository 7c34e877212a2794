"""Refusals and the transaction they end. Services raise DomainError(message) — a Chinese message for the user —
or NotFound, and never commit; the view or command that asked owns the transaction through saving(), the one
place that commits, rolls back, and hands a refusal to the caller's refusal path. Each domain's own error
(FundingError, ReviewError, TermError …) is a DomainError."""
from werkzeug.exceptions import NotFound as HTTPNotFound

from portal.extensions import db


class DomainError(Exception):
    """A refusal with a Chinese message for the user (str(error)); the transaction it happened in is rolled back."""


class NotFound(DomainError, HTTPNotFound):
    """What was asked for does not exist for this user: the request answers 404 (it is werkzeug's 404 too, so
    Flask shows the portal's 404 page for it wherever it is raised)."""


class Conflict(DomainError):
    """Someone else changed the thing since the page was loaded: the refusal answers 409, not 422."""


class saving:  # noqa: N801  (used as `with saving() as saved:`, like a function)
    """One unit of work's transaction: committed when the block ends, rolled back when it raises. A DomainError
    is not raised on but kept as `refusal`, for the caller to show (a page with the message, a flash, a
    command's error); NotFound and anything unforeseen are raised on after the rollback."""

    refusal: DomainError | None = None

    def __enter__(self) -> "saving":
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if kind is None:
            db.session.commit()
            return False
        db.session.rollback()
        if isinstance(error, DomainError) and not isinstance(error, NotFound):
            self.refusal = error
            return True
        return False

    @property
    def message(self) -> str | None:
        return str(self.refusal) if self.refusal else None

    @property
    def status(self) -> int:
        """The refusal's HTTP status: 409 for a concurrent change, 422 for anything else that cannot be taken."""
        return 409 if isinstance(self.refusal, Conflict) else 422
