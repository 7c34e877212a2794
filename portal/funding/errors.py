"""The funding area's refusal: a Chinese message for the user; nothing was written."""


class FundingError(Exception):
    """A refusal with a Chinese message for the user."""
